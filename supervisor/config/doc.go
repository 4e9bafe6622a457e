// Package config reads and validates the supervisor's settings from the
// environment and an optional .env file. Every problem is reported at start,
// all at once, with the variable's name and what it accepts.
package config
