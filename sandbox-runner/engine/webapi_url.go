package engine

// URL and URLSearchParams per the WHATWG URL Standard (parsing in Go, in
// webapi_urlparse.go); searchParams is live both ways, as in browsers.
var urlModule = &jsModule{name: "url.js", src: `function (native, global) {
	const PARTS = ['href', 'protocol', 'username', 'password', 'hostname', 'port', 'pathname', 'search', 'hash', 'origin'];
	const formEncode = s => {
		let out = '';
		for (const b of new Uint8Array(native.utf8Encode(s))) {
			const c = String.fromCharCode(b);
			if (/[A-Za-z0-9*\-._]/.test(c)) out += c;
			else if (b === 0x20) out += '+';
			else out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
		}
		return out;
	};
	const formDecode = s => {
		const bytes = [];
		const str = s.replace(/\+/g, ' ');
		for (let i = 0; i < str.length; i++) {
			const c = str.charCodeAt(i);
			if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(str.slice(i + 1, i + 3))) {
				bytes.push(parseInt(str.slice(i + 1, i + 3), 16));
				i += 2;
			} else if (c < 0x80) {
				bytes.push(c);
			} else {
				const cp = str.codePointAt(i);
				if (cp > 0xFFFF) i++;
				bytes.push(...new Uint8Array(native.utf8Encode(String.fromCodePoint(cp))));
			}
		}
		const u8 = new Uint8Array(bytes);
		return native.utf8Decode(u8.buffer, 0, u8.length, false, true);
	};
	const parseForm = s => {
		const list = [];
		for (const part of s.split('&')) {
			if (part === '') continue;
			const eq = part.indexOf('=');
			const name = eq < 0 ? part : part.slice(0, eq);
			const value = eq < 0 ? '' : part.slice(eq + 1);
			list.push([formDecode(name), formDecode(value)]);
		}
		return list;
	};
	const usv = v => String(v).toWellFormed ? String(v).toWellFormed() : String(v);

	class URLSearchParams {
		#list = [];
		#url = null;
		constructor(init = '') {
			if (init instanceof URLSearchParams) {
				this.#list = init.#list.map(p => [p[0], p[1]]);
			} else if (init !== null && typeof init === 'object' || typeof init === 'function') {
				if (typeof init[Symbol.iterator] === 'function') {
					for (const pair of init) {
						const p = [...pair];
						if (p.length !== 2) throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
						this.#list.push([usv(p[0]), usv(p[1])]);
					}
				} else {
					for (const k of Object.keys(init)) this.#list.push([usv(k), usv(init[k])]);
				}
			} else {
				let s = usv(init);
				if (s.startsWith('?')) s = s.slice(1);
				this.#list = parseForm(s);
			}
		}
		static _link(params, url, query) { params.#url = url; params.#list = parseForm(query); }
		static _reset(params, query) { params.#list = parseForm(query); }
		#update() { if (this.#url) this.#url._setSearchFromParams(this.toString()); }
		get size() { return this.#list.length; }
		append(name, value) { this.#list.push([usv(name), usv(value)]); this.#update(); }
		delete(name, value) {
			name = usv(name);
			this.#list = this.#list.filter(p => !(p[0] === name && (value === undefined || p[1] === usv(value))));
			this.#update();
		}
		get(name) { name = usv(name); const p = this.#list.find(p => p[0] === name); return p ? p[1] : null; }
		getAll(name) { name = usv(name); return this.#list.filter(p => p[0] === name).map(p => p[1]); }
		has(name, value) { name = usv(name); return this.#list.some(p => p[0] === name && (value === undefined || p[1] === usv(value))); }
		set(name, value) {
			name = usv(name); value = usv(value);
			const i = this.#list.findIndex(p => p[0] === name);
			if (i < 0) this.#list.push([name, value]);
			else { this.#list[i][1] = value; this.#list = this.#list.filter((p, j) => j <= i || p[0] !== name); }
			this.#update();
		}
		sort() {
			// Stable, by UTF-16 code units (JavaScript's own string order).
			this.#list = this.#list.map((p, i) => [p, i]).sort((a, b) => a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]).map(x => x[0]);
			this.#update();
		}
		forEach(cb, thisArg) {
			for (let i = 0; i < this.#list.length; i++) cb.call(thisArg, this.#list[i][1], this.#list[i][0], this);
		}
		*entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
		*keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
		*values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
		[Symbol.iterator]() { return this.entries(); }
		toString() { return this.#list.map(p => formEncode(p[0]) + '=' + formEncode(p[1])).join('&'); }
		get [Symbol.toStringTag]() { return 'URLSearchParams'; }
	}

	const invalid = (what, v) => new TypeError("Failed to " + what + ": Invalid URL");
	class URL {
		#p; #params = null;
		constructor(url, base) {
			if (arguments.length === 0) throw new TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
			const p = native.parseURL(usv(url), base === undefined ? undefined : usv(base));
			if (p === null) throw invalid("construct 'URL'", url);
			this.#p = p;
		}
		static canParse(url, base) { return native.parseURL(usv(url), base === undefined ? undefined : usv(base)) !== null; }
		static parse(url, base) { try { return new URL(url, base); } catch (e) { return null; } }
		#get(i) { return this.#p[i]; }
		#set(part, v) {
			const p = native.setURL(this.#p[0], part, usv(v));
			if (p !== null) this.#p = p;
			if (part === 'search' && this.#params) URLSearchParams._reset(this.#params, this.#p[7].slice(1));
		}
		_setSearchFromParams(s) {
			const p = native.setURL(this.#p[0], 'search', s);
			if (p !== null) this.#p = p;
			if (s === '') { const q = native.setURL(this.#p[0], 'search', ''); if (q !== null) this.#p = q; }
		}
		get href() { return this.#p[0]; }
		set href(v) {
			const p = native.parseURL(usv(v));
			if (p === null) throw new TypeError("Failed to set the 'href' property on 'URL': Invalid URL");
			this.#p = p;
			if (this.#params) URLSearchParams._reset(this.#params, this.#p[7].slice(1));
		}
		get origin() { return this.#p[9]; }
		get protocol() { return this.#p[1]; } set protocol(v) { this.#set('protocol', String(v).split(':')[0]); }
		get username() { return this.#p[2]; } set username(v) { this.#set('username', v); }
		get password() { return this.#p[3]; } set password(v) { this.#set('password', v); }
		get host() { return this.#p[5] === '' ? this.#p[4] : this.#p[4] + ':' + this.#p[5]; } set host(v) { this.#set('host', v); }
		get hostname() { return this.#p[4]; } set hostname(v) { this.#set('hostname', v); }
		get port() { return this.#p[5]; } set port(v) { this.#set('port', v); }
		get pathname() { return this.#p[6]; } set pathname(v) { this.#set('pathname', v); }
		get search() { return this.#p[7]; } set search(v) { this.#set('search', v); }
		get hash() { return this.#p[8]; } set hash(v) { this.#set('hash', v); }
		get searchParams() {
			if (!this.#params) { this.#params = new URLSearchParams(); URLSearchParams._link(this.#params, this, this.#p[7].slice(1)); }
			return this.#params;
		}
		toString() { return this.#p[0]; }
		toJSON() { return this.#p[0]; }
		get [Symbol.toStringTag]() { return 'URL'; }
	}
	URL.createObjectURL = () => { throw new DOMException("Failed to execute 'createObjectURL' on 'URL': blob URLs are not available on a server render.", 'NotSupportedError'); };
	URL.revokeObjectURL = () => {};
	for (const C of [URL, URLSearchParams]) {
		for (const k of ['_link', '_reset']) if (k in C) Object.defineProperty(C, k, { enumerable: false });
	}
	Object.defineProperty(URL.prototype, '_setSearchFromParams', { enumerable: false });
	return { URL, URLSearchParams };
}`}

func init() { export(urlModule, "URL", "URLSearchParams") }
