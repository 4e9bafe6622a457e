// Command guesttest is the /init of a QEMU guest that runs Go test
// binaries on a real cgroup v2 kernel (run.sh builds and boots it). It
// mounts the basics, simulates a container (a process in a child cgroup
// entered through its own cgroup namespace, with an idle sibling beside
// it), runs every /tests/*.test binary there with -test.v, prints
// "=== GUEST DONE: PASS" or "FAIL" to the serial console and powers off.
package main
