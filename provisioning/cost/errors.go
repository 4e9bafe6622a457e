package cost

import "errors"

var (
	// ErrOverLimit means a plan's monthly total exceeds COST_LIMIT.
	ErrOverLimit = errors.New("monthly cost over COST_LIMIT")
	// ErrBadPrice means PRICE_TABLE or COST_LIMIT could not be used.
	ErrBadPrice = errors.New("bad price setting")
	// ErrUnknownTier means the table has no price for a Cloud SQL tier.
	ErrUnknownTier = errors.New("no price for Cloud SQL tier")
)
