package main

import "encoding/json"

type lockFile struct {
	Packages map[string]struct {
		Version   string `json:"version"`
		Integrity string `json:"integrity"`
	} `json:"packages"`
}

// lockedPackagesEqual reports whether the installed tree (npm's
// node_modules/.package-lock.json) holds every package of the lock file at
// its locked version and integrity. The root entry ("") is only in the lock.
func lockedPackagesEqual(lock, hidden []byte) bool {
	var a, b lockFile
	if json.Unmarshal(lock, &a) != nil || json.Unmarshal(hidden, &b) != nil {
		return false
	}
	delete(a.Packages, "")
	delete(b.Packages, "")
	if len(a.Packages) == 0 || len(a.Packages) != len(b.Packages) {
		return false
	}
	for k, v := range a.Packages {
		if w, ok := b.Packages[k]; !ok || w != v {
			return false
		}
	}
	return true
}
