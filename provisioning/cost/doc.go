// Package cost estimates the monthly bill of the resources Symposium
// provisions, from a documented price table the operator can override, and
// enforces the COST_LIMIT budget.
package cost
