// Package monitor samples the machine, the supervisor process and every
// isolate's cgroup once a second, keeps the latest figures for the API and
// live views, and raises resource alerts (isolate memory near its limit,
// total memory, sustained machine CPU, isolate capacity) with hysteresis:
// raised once above a threshold, cleared once after staying below it less
// a margin. The last 50 are kept in memory only.
package monitor
