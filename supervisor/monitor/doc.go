// Package monitor samples the machine, the supervisor process and every
// isolate's cgroup once a second, keeps the latest figures for the API and
// live views, and raises resource alerts (isolate memory near its limit,
// total memory, sustained CPU, isolate capacity), keeping the last 50.
package monitor
