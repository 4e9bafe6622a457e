package engine

// structuredClone per the HTML structured clone algorithm: primitives,
// wrappers, Date, RegExp, Map, Set, arrays (holes kept), ArrayBuffer, typed
// arrays and DataView, errors, plain objects (own enumerable properties;
// class instances come back as plain objects), cycles and shared
// references. Functions, symbols, DOM nodes and other platform objects
// throw DataCloneError as in Chromium.
var cloneModule = &jsModule{name: "structuredclone.js", src: `function (native, global) {
	const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
	const typed = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
		Float32Array, Float64Array, BigInt64Array, BigUint64Array];
	const fail = v => {
		let s;
		try { s = typeof v === 'symbol' ? v.toString() : typeof v === 'function' ? String(v) : (native.isNode(v) || Object.prototype.toString.call(v).slice(8, -1)) + ' object'; }
		catch (e) { s = 'value'; }
		throw new DOMException("Failed to execute 'structuredClone' on 'Window': " + s + " could not be cloned.", 'DataCloneError');
	};
	const tag = v => Object.prototype.toString.call(v).slice(8, -1);
	function structuredClone(value, options) {
		if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone' on 'Window': 1 argument required, but only 0 present.");
		const memory = new Map();
		const clone = v => {
			if (typeof v === 'symbol' || typeof v === 'function') fail(v);
			if (v === null || typeof v !== 'object') return v;
			if (memory.has(v)) return memory.get(v);
			let out;
			if (Array.isArray(v)) {
				out = new Array(v.length);
				memory.set(v, out);
				for (const k of Object.keys(v)) out[k] = clone(v[k]);
				return out;
			}
			if (v instanceof Date) out = new Date(v.getTime());
			else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
			else if (v instanceof ArrayBuffer) out = v.slice(0);
			else if (v instanceof DataView) { const b = clone(v.buffer); out = new DataView(b, v.byteOffset, v.byteLength); }
			else if (ArrayBuffer.isView(v)) {
				const C = typed.find(C => v instanceof C);
				const b = clone(v.buffer);
				out = new C(b, v.byteOffset, v.length);
			}
			else if (v instanceof Map) { out = new Map(); memory.set(v, out); for (const [k, x] of v) out.set(clone(k), clone(x)); return out; }
			else if (v instanceof Set) { out = new Set(); memory.set(v, out); for (const x of v) out.add(clone(x)); return out; }
			else if (v instanceof Error && tag(v) === 'Error') {
				const C = errorCtors[v.name] || Error;
				out = new C(v.message);
				memory.set(v, out);
				if ('stack' in v) Object.defineProperty(out, 'stack', { value: String(v.stack), writable: true, configurable: true });
				if ('cause' in v) out.cause = clone(v.cause);
				return out;
			}
			else if (v instanceof Boolean || v instanceof Number || v instanceof String || v instanceof BigInt) out = Object(v.valueOf());
			else if (native.isNode(v) !== null || v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || tag(v) !== 'Object') fail(v);
			else {
				out = {};
				memory.set(v, out);
				for (const k of Object.keys(v)) out[k] = clone(v[k]);
				return out;
			}
			memory.set(v, out);
			return out;
		};
		return clone(value);
	}
	return { structuredClone };
}`}

func init() { export(cloneModule, "structuredClone") }
