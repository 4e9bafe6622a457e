package gcp

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/api/option"
)

// serviceAccountKey is the part of a key file the checks need.
type serviceAccountKey struct {
	Type        string `json:"type"`
	ProjectID   string `json:"project_id"`
	ClientEmail string `json:"client_email"`
	PrivateKey  string `json:"private_key"`
	raw         []byte
}

// parseKey decodes GCP_SERVICE_ACCOUNT_KEY and checks it is a service
// account key, so a bad secret fails at start-up with a message naming the
// problem instead of as an opaque auth error on the first API call.
func parseKey(b64 string) (serviceAccountKey, error) {
	var k serviceAccountKey
	// `base64` wraps at 76 columns; padding is often lost in copy-paste.
	s := strings.Join(strings.Fields(b64), "")
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return k, fmt.Errorf("%w is not valid base64 (encode the key file with `base64 -w0 key.json`)", ErrBadKey)
		}
	}
	if err := json.Unmarshal(raw, &k); err != nil {
		return k, fmt.Errorf("%w decodes but is not JSON: %v", ErrBadKey, err)
	}
	if k.Type != "service_account" {
		return k, fmt.Errorf("%w has type %q, want \"service_account\" (user and external-account credentials go through Application Default Credentials)", ErrBadKey, k.Type)
	}
	if k.ClientEmail == "" {
		return k, fmt.Errorf("%w is missing client_email", ErrBadKey)
	}
	if k.PrivateKey == "" {
		return k, fmt.Errorf("%w is missing private_key", ErrBadKey)
	}
	k.raw = raw
	return k, nil
}

// clientOptions is how a client reaches endpoint: a plain http:// endpoint
// is an emulator and gets no credentials, like the storage client does for
// STORAGE_EMULATOR_HOST; anything else authenticates with the key or ADC.
func (c Config) clientOptions(endpoint string) []option.ClientOption {
	var opts []option.ClientOption
	if endpoint != "" {
		opts = append(opts, option.WithEndpoint(endpoint))
		if strings.HasPrefix(endpoint, "http://") {
			return append(opts, option.WithoutAuthentication())
		}
	}
	if c.Credentials != nil {
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, c.Credentials))
	}
	return opts
}
