package blocksvc

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/symposium/symposium/supervisor/isolate"
)

// Limits bound what one block may make the service store.
type Limits struct {
	// HTMLBytes, CSSBytes and LogBytes cap one output's rendered HTML, CSS
	// and console log (levels and messages together). An output over any
	// of them is answered as isolate.KindOutputTooLarge and not stored.
	HTMLBytes, CSSBytes, LogBytes int
	// BlockBytes caps a block as stored (code, data, name and id encoded
	// as the storage layer encodes them), checked before the code runs so
	// a block that could not be stored is never executed.
	BlockBytes int
}

// DefaultLimits: 2 MiB of HTML, 512 KiB of CSS, 1 MiB of log, and a
// stored block of at most 1 MiB (the key-value store's value limit).
var DefaultLimits = Limits{HTMLBytes: 2 << 20, CSSBytes: 512 << 10, LogBytes: 1 << 20, BlockBytes: 1 << 20}

// WithLimits sets the output and block size limits; zero fields keep
// the defaults.
func WithLimits(l Limits) Option {
	return func(s *Service) {
		if l.HTMLBytes > 0 {
			s.limits.HTMLBytes = l.HTMLBytes
		}
		if l.CSSBytes > 0 {
			s.limits.CSSBytes = l.CSSBytes
		}
		if l.LogBytes > 0 {
			s.limits.LogBytes = l.LogBytes
		}
		if l.BlockBytes > 0 {
			s.limits.BlockBytes = l.BlockBytes
		}
	}
}

// recordOverhead is what a stored record adds to its strings: field
// names, quotes, the id and the timestamp.
const recordOverhead = 256

// StoredSize is the size of b as a stored record: its strings JSON-encoded
// without HTML escaping (as the storage layer writes them), plus the
// record's fixed overhead.
func StoredSize(b Block) int {
	n := recordOverhead + len(b.ID) + len(b.Data)
	for _, s := range []string{b.Name, b.Code.HTML, b.Code.CSS, b.Code.JavaScript} {
		n += encodedLen(s)
	}
	return n
}

func encodedLen(s string) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return buf.Len() - 1
}

// checkBlock refuses a block whose stored record would pass BlockBytes.
func (s *Service) checkBlock(b Block) error {
	if n := StoredSize(b); n > s.limits.BlockBytes {
		return fmt.Errorf("%w: the block (code, data and name) takes %d bytes stored, over the limit of %d bytes (MAX_BLOCK_BYTES); make it smaller or move data out of it",
			ErrTooLarge, n, s.limits.BlockBytes)
	}
	return nil
}

// boundOutput replaces an output over a limit by an output_too_large
// outcome that carries none of it.
func (s *Service) boundOutput(res *isolate.Result) *isolate.Result {
	logs := 0
	for _, l := range res.Logs {
		logs += len(l.Level) + len(l.Message)
	}
	var what, setting string
	var n, limit int
	switch {
	case len(res.HTML) > s.limits.HTMLBytes:
		what, setting, n, limit = "rendered HTML", "MAX_OUTPUT_HTML_BYTES", len(res.HTML), s.limits.HTMLBytes
	case len(res.CSS) > s.limits.CSSBytes:
		what, setting, n, limit = "CSS", "MAX_OUTPUT_CSS_BYTES", len(res.CSS), s.limits.CSSBytes
	case logs > s.limits.LogBytes:
		what, setting, n, limit = "console log", "MAX_OUTPUT_LOG_BYTES", logs, s.limits.LogBytes
	default:
		return res
	}
	return &isolate.Result{
		BlockID: res.BlockID, Kind: isolate.KindOutputTooLarge,
		Message:  fmt.Sprintf("the block's %s is %d bytes, over the limit of %d bytes (%s); nothing of this output was kept", what, n, limit, setting),
		Duration: res.Duration, PID: res.PID, Memory: res.Memory, CPUMicro: res.CPUMicro,
	}
}

// Renderer builds the sanitised page for an output (the web layer's
// sanitiser), with what it removed. The service calls it once per new
// output and stores the page with it, so no GET sanitises again.
type Renderer func(id, html, css string) (page string, removed []isolate.Removal)

// WithRenderer sets the output page renderer (default: none; a reader of
// the output then builds the page itself).
func WithRenderer(r Renderer) Option { return func(s *Service) { s.render = r } }

// renderPage fills res.Page, reusing the page this instance last built
// for the block when its HTML and CSS are unchanged.
func (s *Service) renderPage(id string, res *isolate.Result) {
	if s.render == nil || res.Kind == isolate.KindOutputTooLarge {
		return
	}
	s.recentMu.Lock()
	w, ok := s.recent[id]
	var prev *isolate.Result
	if ok {
		prev = w.out
	}
	s.recentMu.Unlock()
	if prev != nil && prev.Page != "" && prev.HTML == res.HTML && prev.CSS == res.CSS {
		res.Page, res.Removed = prev.Page, prev.Removed
		return
	}
	res.Page, res.Removed = s.render(id, res.HTML, res.CSS)
}
