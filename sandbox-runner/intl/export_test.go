package intl

import "sync"

// resetCaches forgets every decoded section, so benchmarks can measure a
// process's first use of a locale.
func resetCaches() {
	cacheMu.Lock()
	cache = map[string]obj{}
	langCache = map[string]*langData{}
	suppOnce, mzOnce, fracOnce = sync.Once{}, sync.Once{}, sync.Once{}
	zonesMu.Lock()
	zones = map[string]zone{}
	zonesMu.Unlock()
	cacheMu.Unlock()
}
