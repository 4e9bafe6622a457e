package engine

import (
	"context"
	"fmt"
	"net/http"

	"github.com/dop251/goja"
)

// fetch, Headers and Response as WHATWG shapes them. GET requests go to the
// Host's Fetch (what symposium.fetch uses; the supervisor applies
// FETCH_ALLOWLIST); a refusal, or no host at all, rejects with Chromium's
// "TypeError: Failed to fetch", so a block's .catch fallback renders, and a
// notice says why. The host answers with status, Content-Type and body only,
// so headers hold content-type alone and response.url is the requested URL
// (redirects are followed by the host, unseen).
var fetchModule = &jsModule{name: "fetch.js", src: `function (native, global) {
	const norm = n => {
		n = String(n);
		if (!/^[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+$/.test(n)) throw new TypeError("Failed to execute 'append' on 'Headers': Invalid name");
		return n.toLowerCase();
	};
	const trim = v => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
	class Headers {
		#m = new Map();
		constructor(init) {
			if (init === undefined || init === null) return;
			if (init instanceof Headers) { for (const [k, v] of init) this.append(k, v); return; }
			if (typeof init !== 'object') throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
			if (typeof init[Symbol.iterator] === 'function') {
				for (const pair of init) {
					const p = [...pair];
					if (p.length !== 2) throw new TypeError("Failed to construct 'Headers': Invalid value");
					this.append(p[0], p[1]);
				}
			} else for (const k of Object.keys(init)) this.append(k, init[k]);
		}
		append(n, v) { n = norm(n); v = trim(v); const o = this.#m.get(n); this.#m.set(n, o === undefined ? v : o + ', ' + v); }
		set(n, v) { this.#m.set(norm(n), trim(v)); }
		get(n) { const v = this.#m.get(norm(n)); return v === undefined ? null : v; }
		has(n) { return this.#m.has(norm(n)); }
		delete(n) { this.#m.delete(norm(n)); }
		forEach(cb, thisArg) { for (const [k, v] of this) cb.call(thisArg, v, k, this); }
		*entries() { yield* [...this.#m.entries()].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); }
		*keys() { for (const [k] of this.entries()) yield k; }
		*values() { for (const [, v] of this.entries()) yield v; }
		[Symbol.iterator]() { return this.entries(); }
		get [Symbol.toStringTag]() { return 'Headers'; }
	}
	const bodyText = b => {
		if (b === undefined || b === null) return null;
		if (typeof b === 'object' && typeof b.text === 'function' && Object.prototype.toString.call(b) === '[object Blob]') return b;
		return String(b);
	};
	class Response {
		#status; #statusText; #headers; #body; #url; #used = false; #type;
		constructor(body = null, init = {}) {
			init = init || {};
			const status = init.status === undefined ? 200 : Number(init.status);
			if (!(status >= 200 && status <= 599) || !Number.isInteger(status))
				throw new RangeError("Failed to construct 'Response': The status provided (" + status + ") is outside the range [200, 599].");
			this.#status = status;
			this.#statusText = init.statusText === undefined ? '' : String(init.statusText);
			this.#headers = new Headers(init.headers);
			this.#body = bodyText(body);
			if (typeof this.#body === 'string' && !this.#headers.has('content-type')) this.#headers.set('content-type', 'text/plain;charset=UTF-8');
			this.#url = '';
			this.#type = 'default';
		}
		static #fromHost(url, status, contentType, body) {
			const r = new Response(null, { status: 200 });
			r.#status = status; r.#statusText = native.statusText(status);
			r.#headers = new Headers(contentType ? { 'content-type': contentType } : undefined);
			r.#body = body; r.#url = url; r.#type = 'basic';
			return r;
		}
		static { Response.fromHost = Response.#fromHost; }
		get status() { return this.#status; }
		get statusText() { return this.#statusText; }
		get ok() { return this.#status >= 200 && this.#status <= 299; }
		get headers() { return this.#headers; }
		get url() { return this.#url; }
		get type() { return this.#type; }
		get redirected() { return false; }
		get body() { return null; }
		get bodyUsed() { return this.#used; }
		#consume(method) {
			if (this.#used) return Promise.reject(new TypeError("Failed to execute '" + method + "' on 'Response': body stream already read"));
			if (this.#body !== null) this.#used = true;
			const b = this.#body;
			return b !== null && typeof b === 'object' ? b.text() : Promise.resolve(b === null ? '' : b);
		}
		text() { return this.#consume('text'); }
		json() { return this.#consume('json').then(t => JSON.parse(t)); }
		arrayBuffer() { return this.#consume('arrayBuffer').then(t => native.utf8Encode(t)); }
		blob() { const type = this.#headers.get('content-type') || ''; return this.#consume('blob').then(t => new global.Blob([t], { type })); }
		clone() {
			if (this.#used) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
			const r = new Response(null);
			r.#status = this.#status; r.#statusText = this.#statusText; r.#headers = new Headers(this.#headers);
			r.#body = this.#body; r.#url = this.#url; r.#type = this.#type;
			return r;
		}
		static json(data, init) {
			const h = new Headers(init && init.headers);
			if (!h.has('content-type')) h.set('content-type', 'application/json');
			return new Response(JSON.stringify(data), { ...init, headers: h });
		}
		static error() { const r = new Response(null); r.#status = 0; r.#type = 'error'; return r; }
		get [Symbol.toStringTag]() { return 'Response'; }
	}
	const fromHost = Response.fromHost;
	delete Response.fromHost;
	function fetch(input, init) {
		return new Promise((resolve, reject) => {
			const raw = input !== null && typeof input === 'object' && typeof input.url === 'string' && !(input instanceof global.URL) ? input.url : String(input);
			const parts = native.parseURL(raw, native.pageURL);
			if (parts === null) throw new TypeError("Failed to execute 'fetch' on 'Window': Failed to parse URL from " + raw);
			const url = parts[0];
			let method = init && init.method !== undefined ? String(init.method) : input && typeof input === 'object' && typeof input.method === 'string' ? input.method : 'GET';
			if (method.toUpperCase() !== 'GET') {
				native.notice('fetch(' + url + ') with method ' + method + ' was refused: a server render sends only GET requests');
				throw new TypeError("Failed to execute 'fetch' on 'Window': method " + method.toUpperCase() + ' is not supported on a server render; only GET requests reach the host');
			}
			if (init && init.signal && init.signal.aborted) throw init.signal.reason;
			native.hostFetch(url).then(
				([status, contentType, body]) => resolve(fromHost(url, status, contentType, body)),
				() => reject(new TypeError('Failed to fetch')));
		});
	}
	return { fetch, Headers, Response };
}`}

func init() { export(fetchModule, "fetch", "Headers", "Response") }

// hostFetch is fetch's Go half: a promise of [status, contentType, body]
// from the Host, rejected (with the reason also raised as a notice) when the
// host refuses or there is none.
func (ex *execution) hostFetch(c goja.FunctionCall) goja.Value {
	url := c.Argument(0).String()
	refused := func(err error) goja.Value {
		ex.notice(fmt.Sprintf("fetch(%s) failed with TypeError: Failed to fetch; the host said: %v", url, err))
		return ex.rt.ToValue(err.Error())
	}
	return ex.hostAsync(nil, refused, func(ctx context.Context) (func() goja.Value, error) {
		status, contentType, body, err := ex.host.Fetch(ctx, url)
		if err != nil {
			return nil, err
		}
		return func() goja.Value {
			return ex.rt.NewArray(status, contentType, string(body))
		}, nil
	})
}

func statusText(status int) string {
	if status == http.StatusOK { // the common case, without the map lookup
		return "OK"
	}
	return http.StatusText(status)
}
