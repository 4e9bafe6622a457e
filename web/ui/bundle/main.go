package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Paths relative to web/ui.
const (
	frontendDir = "frontend"
	entry       = "frontend/src/editor.js"
	output      = "static/editor.js"
	stampPrefix = "// symposium-bundle inputs "
)

// buildVersion changes when the build options below change, so a new
// option rebuilds a bundle whose inputs did not change.
const buildVersion = "1"

func main() {
	dir := flag.String("dir", "", "the web/ui directory (default: found from the working directory)")
	check := flag.Bool("check", false, "only report whether the bundle is up to date (exit 1 if not)")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	if dir == "" {
		var err error
		if dir, err = findUIDir(); err != nil {
			return err
		}
	}
	sum, err := inputsHash(dir)
	if err != nil {
		return err
	}
	current, err := stamp(filepath.Join(dir, output))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if current == sum {
		return nil // up to date: no npm, no network
	}
	if check {
		return fmt.Errorf("%s is stale (inputs %s, bundle built from %q): run `make ui`", output, sum[:12], current)
	}
	if err := npmCI(dir); err != nil {
		return err
	}
	return build(dir, sum)
}

// findUIDir walks up from the working directory to the repository root.
func findUIDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "web", "ui", frontendDir, "package.json")); err == nil {
			return filepath.Join(d, "web", "ui"), nil
		}
		if _, err := os.Stat(filepath.Join(d, frontendDir, "package.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no web/ui/%s/package.json above %s; pass -dir", frontendDir, wd)
		}
	}
}

// inputsHash covers the lock file (which pins every package's version and
// integrity hash) and every source file.
func inputsHash(dir string) (string, error) {
	files := []string{filepath.Join(frontendDir, "package-lock.json")}
	src := filepath.Join(dir, frontendDir, "src")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, rel)
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "build %s\n", buildVersion)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		// Line endings must not matter (a Windows checkout converts them).
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stamp reads the inputs hash from the bundle's first line.
func stamp(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	s, ok := strings.CutPrefix(string(line), stampPrefix)
	if !ok {
		return "", nil
	}
	return strings.TrimSpace(s), nil
}

// npmCI installs the locked packages unless node_modules already holds
// exactly them (npm writes its own copy of the lock there).
func npmCI(dir string) error {
	fe := filepath.Join(dir, frontendDir)
	want, err := os.ReadFile(filepath.Join(fe, "package-lock.json"))
	if err != nil {
		return err
	}
	if installed(fe, want) {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("the editor bundle must be rebuilt and that needs npm: apt-get install -y npm (or Node.js 18+): %w", err)
	}
	cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = fe
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintln(os.Stderr, "bundle: npm ci in", fe)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", fe, err)
	}
	return nil
}

// installed compares every locked package's version with the one in
// node_modules, so no network is needed once they are there.
func installed(fe string, lock []byte) bool {
	hidden, err := os.ReadFile(filepath.Join(fe, "node_modules", ".package-lock.json"))
	if err != nil {
		return false
	}
	return lockedPackagesEqual(lock, hidden)
}

func build(dir, sum string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{filepath.Join(dir, entry)},
		AbsWorkingDir:     dir,
		Bundle:            true,
		Format:            api.FormatESModule,
		Target:            api.ES2020,
		Platform:          api.PlatformBrowser,
		MinifyWhitespace:  true,
		MinifySyntax:      true,
		MinifyIdentifiers: true,
		LegalComments:     api.LegalCommentsEndOfFile,
		Banner:            map[string]string{"js": stampPrefix + sum + "\n// Built by `make ui` (web/ui/bundle) from web/ui/frontend: CodeMirror 6 and its dependencies (MIT). Do not edit."},
		Write:             false,
		Outfile:           filepath.Join(dir, output),
		LogLevel:          api.LogLevelWarning,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return fmt.Errorf("esbuild: %s", strings.Join(msgs, "\n"))
	}
	for _, f := range res.OutputFiles {
		if err := os.WriteFile(f.Path, f.Contents, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bundle: wrote %s (%d bytes)\n", f.Path, len(f.Contents))
	}
	return nil
}
