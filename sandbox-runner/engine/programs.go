package engine

import (
	"crypto/sha256"
	"strings"

	"github.com/dop251/goja"
	hlru "github.com/hashicorp/golang-lru/v2"
)

const scriptName = "block.js"

// programs caches compiled scripts by source hash: goja programs are not tied
// to a runtime, so re-running a block skips parsing and compiling.
var programs, _ = hlru.New[[sha256.Size]byte, *goja.Program](256)

func compile(src string) (*goja.Program, error) {
	key := sha256.Sum256([]byte(src))
	if p, ok := programs.Get(key); ok {
		return p, nil
	}
	p, err := goja.Compile(scriptName, src, false)
	if err != nil && strings.Contains(src, "await") {
		// Scripts may use top-level await; run those as an async function body
		// (same line numbers, as the wrapper opens on the first line).
		if wrapped, werr := goja.Compile(scriptName, "(async () => {"+src+"\n})()", false); werr == nil {
			p, err = wrapped, nil
		}
	}
	if err != nil {
		return nil, err
	}
	programs.Add(key, p)
	return p, nil
}
