package engine

// Blob and File hold bytes in memory (text, ArrayBuffer, views and other
// Blobs as parts); there is no stream() and no blob: URL.
var blobModule = &jsModule{name: "blob.js", src: `function (native, global) {
	const enc = s => new Uint8Array(native.utf8Encode(String(s)));
	const normType = t => (t === undefined || /[^\x20-\x7e]/.test(String(t))) ? '' : String(t).toLowerCase();
	class Blob {
		#bytes; #type;
		constructor(parts = [], options = {}) {
			if (parts === null || typeof parts !== 'object' || typeof parts[Symbol.iterator] !== 'function')
				throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
			const chunks = [];
			for (const p of parts) {
				if (p instanceof Blob) chunks.push(p.#bytes);
				else if (p instanceof ArrayBuffer) chunks.push(new Uint8Array(p.slice(0)));
				else if (ArrayBuffer.isView(p)) chunks.push(new Uint8Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength)));
				else {
					let s = String(p);
					if (options && options.endings === 'native') s = s.replace(/\r\n|\r/g, '\n');
					chunks.push(enc(s));
				}
			}
			const total = chunks.reduce((n, c) => n + c.length, 0);
			this.#bytes = new Uint8Array(total);
			let at = 0;
			for (const c of chunks) { this.#bytes.set(c, at); at += c.length; }
			this.#type = normType(options ? options.type : undefined);
		}
		get size() { return this.#bytes.length; }
		get type() { return this.#type; }
		slice(start = 0, end = this.#bytes.length, contentType = '') {
			const n = this.#bytes.length;
			const clamp = x => { x = Math.trunc(Number(x)) || 0; return x < 0 ? Math.max(n + x, 0) : Math.min(x, n); };
			const b = new Blob([], { type: contentType });
			b.#bytes = this.#bytes.slice(clamp(start), Math.max(clamp(start), clamp(end)));
			return b;
		}
		text() { const b = this.#bytes; return Promise.resolve(native.utf8Decode(b.buffer, b.byteOffset, b.byteLength, false, false)); }
		arrayBuffer() { return Promise.resolve(this.#bytes.slice().buffer); }
		bytes() { return Promise.resolve(this.#bytes.slice()); }
		get [Symbol.toStringTag]() { return 'Blob'; }
	}
	class File extends Blob {
		#name; #lastModified;
		constructor(parts, name, options = {}) {
			if (arguments.length < 2) throw new TypeError("Failed to construct 'File': 2 arguments required, but only " + arguments.length + " present.");
			super(parts, options);
			this.#name = String(name);
			this.#lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
		}
		get name() { return this.#name; }
		get lastModified() { return this.#lastModified; }
		get webkitRelativePath() { return ''; }
		get [Symbol.toStringTag]() { return 'File'; }
	}
	return { Blob, File };
}`}

func init() { export(blobModule, "Blob", "File") }
