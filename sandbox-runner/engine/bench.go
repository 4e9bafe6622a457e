package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// LoadBenchBlocks reads the reference blocks (files of JSON {name, html, css,
// js, data}) in dir, keyed by name. It is for benchmarks, never run inside
// the isolate, where opening files is forbidden.
func LoadBenchBlocks(dir string) (map[string]Block, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	blocks := make(map[string]Block, len(files))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var b struct {
			Name, HTML, CSS, JS string
			Data                json.RawMessage
		}
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadBenchBlock, f, err)
		}
		if b.Name == "" {
			b.Name = strings.TrimSuffix(filepath.Base(f), ".json")
		}
		blocks[b.Name] = Block{HTML: b.HTML, CSS: b.CSS, JavaScript: b.JS, Data: b.Data}
	}
	return blocks, nil
}
