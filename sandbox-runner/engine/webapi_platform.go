package engine

// crypto, performance, navigator, location, history, screen and matchMedia:
// the page's platform objects, with the fixed answers of webapi.go.
var platformModule = &jsModule{name: "platform.js", src: `function (native, global) {
	const integerTypes = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
		'Uint32Array', 'BigInt64Array', 'BigUint64Array'];
	const brand = (o, name) => Object.defineProperty(o, Symbol.toStringTag, { value: name, configurable: true });

	const crypto = {
		getRandomValues(array) {
			const kind = ArrayBuffer.isView(array) && !(array instanceof DataView) ? Object.prototype.toString.call(array).slice(8, -1) : null;
			if (kind === null) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not of type 'ArrayBufferView'.");
			if (!integerTypes.includes(kind))
				throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is of type '" + kind.replace('Array', '') + "', which is not an integer array type.", 'TypeMismatchError');
			if (array.byteLength > 65536)
				throw new DOMException("Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (" + array.byteLength + ") exceeds the number of bytes of entropy available via this API (65536).", 'QuotaExceededError');
			native.random(array.buffer, array.byteOffset, array.byteLength);
			return array;
		},
		randomUUID() { return native.uuid(); },
	};
	brand(crypto, 'Crypto');
	// crypto.subtle has digest only (SHA-1, SHA-256, SHA-384, SHA-512): the
	// one SubtleCrypto call blocks make without keys.
	const subtle = {
		digest(algorithm, data) {
			return new Promise((resolve, reject) => {
				const name = String(typeof algorithm === 'object' && algorithm !== null ? algorithm.name : algorithm).toUpperCase();
				let bytes;
				if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
				else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
				else throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': 2nd argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.");
				const out = native.digest(name, bytes.buffer, bytes.byteOffset, bytes.byteLength);
				if (out === null) throw new DOMException('Algorithm: Unrecognized name', 'NotSupportedError');
				resolve(out);
			});
		},
	};
	brand(subtle, 'SubtleCrypto');
	Object.defineProperty(crypto, 'subtle', { value: subtle, enumerable: true });

	// performance: the virtual clock (webapi.go perfNow), marks and measures.
	const entries = [];
	class PerformanceEntry {
		constructor(name, entryType, startTime, duration, detail) {
			Object.defineProperties(this, {
				name: { value: name, enumerable: true }, entryType: { value: entryType, enumerable: true },
				startTime: { value: startTime, enumerable: true }, duration: { value: duration, enumerable: true },
				detail: { value: detail === undefined ? null : structuredClone(detail), enumerable: true } });
		}
		toJSON() { return { name: this.name, entryType: this.entryType, startTime: this.startTime, duration: this.duration }; }
	}
	class PerformanceMark extends PerformanceEntry {}
	class PerformanceMeasure extends PerformanceEntry {}
	const markTime = (name, method) => {
		if (typeof name === 'number') return name;
		for (let i = entries.length - 1; i >= 0; i--) if (entries[i].entryType === 'mark' && entries[i].name === name) return entries[i].startTime;
		throw new DOMException("Failed to execute '" + method + "' on 'Performance': The mark '" + name + "' does not exist.", 'SyntaxError');
	};
	let origin;
	const performance = {
		now() { return native.now(); },
		get timeOrigin() { if (origin === undefined) origin = native.timeOrigin(); return origin; },
		mark(name, options = {}) {
			if (arguments.length === 0) throw new TypeError("Failed to execute 'mark' on 'Performance': 1 argument required, but only 0 present.");
			const start = options && options.startTime !== undefined ? Number(options.startTime) : native.now();
			const m = new PerformanceMark(String(name), 'mark', start, 0, options ? options.detail : undefined);
			entries.push(m);
			return m;
		},
		measure(name, start, end) {
			let s = 0, e, detail;
			if (start !== null && typeof start === 'object') {
				detail = start.detail;
				if (start.start !== undefined) s = markTime(start.start, 'measure');
				if (start.end !== undefined) e = markTime(start.end, 'measure');
				if (start.duration !== undefined) { if (e === undefined) e = s + Number(start.duration); else s = e - Number(start.duration); }
			} else if (start !== undefined) {
				s = markTime(start, 'measure');
			}
			if (end !== undefined) e = markTime(end, 'measure');
			if (e === undefined) e = native.now();
			const m = new PerformanceMeasure(String(name), 'measure', s, e - s, detail);
			entries.push(m);
			return m;
		},
		getEntries() { return entries.slice().sort((a, b) => a.startTime - b.startTime); },
		getEntriesByType(type) { return this.getEntries().filter(e => e.entryType === type); },
		getEntriesByName(name, type) { return this.getEntries().filter(e => e.name === name && (type === undefined || e.entryType === type)); },
		clearMarks(name) { remove('mark', name); },
		clearMeasures(name) { remove('measure', name); },
		toJSON() { return { timeOrigin: this.timeOrigin }; },
	};
	const remove = (type, name) => {
		for (let i = entries.length - 1; i >= 0; i--) if (entries[i].entryType === type && (name === undefined || entries[i].name === name)) entries.splice(i, 1);
	};
	brand(performance, 'Performance');

	const [width, height] = native.viewport;
	const navigator = {
		userAgent: native.userAgent,
		appVersion: native.userAgent.slice('Mozilla/'.length),
		appName: 'Netscape', appCodeName: 'Mozilla', product: 'Gecko', productSub: '20030107',
		vendor: 'Google Inc.', vendorSub: '',
		platform: 'Linux x86_64',
		language: 'en-US', languages: Object.freeze(['en-US', 'en']),
		onLine: true, cookieEnabled: true, doNotTrack: null, webdriver: false,
		hardwareConcurrency: native.hardwareConcurrency, deviceMemory: 8, maxTouchPoints: 0,
		pdfViewerEnabled: true,
		sendBeacon() { native.notice('navigator.sendBeacon() was called; a server render sends nothing'); return false; },
		vibrate() { return false; },
		javaEnabled() { return false; },
	};
	brand(navigator, 'Navigator');

	const screen = {
		width, height, availWidth: width, availHeight: height, availLeft: 0, availTop: 0,
		colorDepth: 24, pixelDepth: 24,
		orientation: brand({ type: width >= height ? 'landscape-primary' : 'portrait-primary', angle: 0, onchange: null,
			addEventListener() {}, removeEventListener() {} }, 'ScreenOrientation'),
	};
	brand(screen, 'Screen');

	// location is fixed; history.pushState/replaceState move it within the
	// same origin as a browser would, without navigating.
	let here_;
	const cur = () => here_ || (here_ = new URL(native.pageURL));
	const location = {
		get href() { return cur().href; }, set href(v) { navigate('location.href', v); },
		get origin() { return cur().origin; },
		get protocol() { return cur().protocol; }, get host() { return cur().host; }, get hostname() { return cur().hostname; },
		get port() { return cur().port; }, get pathname() { return cur().pathname; },
		get search() { return cur().search; }, set search(v) { navigate('location.search', '?' + String(v).replace(/^\?/, '')); },
		get hash() { return cur().hash; }, set hash(v) { const u = new URL(cur().href); u.hash = v; here_ = u; },
		assign(url) { navigate('location.assign()', url); },
		replace(url) { navigate('location.replace()', url); },
		reload() { native.notice('location.reload() was called; a server render does not navigate'); },
		toString() { return cur().href; },
		ancestorOrigins: brand({ length: 0 }, 'DOMStringList'),
	};
	const navigate = (what, url) => {
		new URL(url, cur().href); // throws on an invalid URL, as a browser does
		native.notice(what + ' was set; a server render does not navigate, so the page stays at ' + cur().href);
	};
	brand(location, 'Location');
	const states = [null];
	let index = 0;
	const moveTo = (method, state, url) => {
		if (url !== undefined && url !== null) {
			const u = new URL(url, cur().href);
			if (u.origin !== cur().origin)
				throw new DOMException("Failed to execute '" + method + "' on 'History': A history state object with URL '" + u.href + "' cannot be created in a document with origin '" + cur().origin + "' and URL '" + cur().href + "'.", 'SecurityError');
			here_ = u;
		}
		return state === undefined ? null : structuredClone(state);
	};
	const history = {
		get length() { return states.length; },
		get state() { return states[index]; },
		scrollRestoration: 'auto',
		pushState(state, title, url) { const s = moveTo('pushState', state, url); states.length = index + 1; states.push(s); index++; },
		replaceState(state, title, url) { states[index] = moveTo('replaceState', state, url); },
		back() {}, forward() {}, go() {},
	};
	brand(history, 'History');

	class MediaQueryList {
		#media; #matches;
		constructor(media, matches) { this.#media = media; this.#matches = matches; this.onchange = null; }
		get media() { return this.#media; }
		get matches() { return this.#matches; }
		// The viewport never changes, so change listeners never fire.
		addListener() {} removeListener() {}
		addEventListener() {} removeEventListener() {}
		dispatchEvent() { return true; }
		get [Symbol.toStringTag]() { return 'MediaQueryList'; }
	}
	function matchMedia(query) {
		if (arguments.length === 0) throw new TypeError("Failed to execute 'matchMedia' on 'Window': 1 argument required, but only 0 present.");
		const [media, matches] = native.matchMedia(String(query));
		return new MediaQueryList(media, matches);
	}
	return { crypto, performance, navigator, screen, location, history, matchMedia, MediaQueryList,
		PerformanceEntry, PerformanceMark, PerformanceMeasure };
}`}

func init() {
	export(platformModule, "crypto", "performance", "navigator", "screen", "location", "history", "matchMedia",
		"MediaQueryList", "PerformanceEntry", "PerformanceMark", "PerformanceMeasure")
}
