package engine

import "github.com/dop251/goja"

// DOMException as Chromium has it: an Error subclass (instanceof Error,
// Object.prototype.toString says Error) with name, message and the legacy
// code of its name.
var domExceptionModule = &jsModule{name: "domexception.js", src: `function (native, global) {
	const codes = { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
		NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
		InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
		InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
		URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25 };
	class DOMException extends Error {
		#name;
		constructor(message = '', name = 'Error') {
			super(message === undefined ? '' : String(message));
			this.#name = String(name);
		}
		get name() { return this.#name; }
		get code() { return codes[this.#name] || 0; }
	}
	Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: 'DOMException', configurable: true });
	const consts = ['INDEX_SIZE_ERR', 1, 'HIERARCHY_REQUEST_ERR', 3, 'WRONG_DOCUMENT_ERR', 4, 'INVALID_CHARACTER_ERR', 5,
		'NOT_FOUND_ERR', 8, 'NOT_SUPPORTED_ERR', 9, 'INVALID_STATE_ERR', 11, 'SYNTAX_ERR', 12, 'NAMESPACE_ERR', 14,
		'INVALID_ACCESS_ERR', 15, 'TYPE_MISMATCH_ERR', 17, 'SECURITY_ERR', 18, 'NETWORK_ERR', 19, 'ABORT_ERR', 20,
		'QUOTA_EXCEEDED_ERR', 22, 'TIMEOUT_ERR', 23, 'DATA_CLONE_ERR', 25];
	for (let i = 0; i < consts.length; i += 2) {
		Object.defineProperty(DOMException, consts[i], { value: consts[i + 1], enumerable: true });
		Object.defineProperty(DOMException.prototype, consts[i], { value: consts[i + 1], enumerable: true });
	}
	return { DOMException };
}`}

func init() { export(domExceptionModule, "DOMException") }

// newDOMException builds a DOMException in this execution's runtime.
func (ex *execution) newDOMException(name, msg string) *goja.Object {
	ctor, _ := goja.AssertConstructor(ex.module(domExceptionModule).Get("DOMException"))
	e, err := ctor(nil, ex.rt.ToValue(msg), ex.rt.ToValue(name))
	if err != nil {
		panic(err)
	}
	return e
}

// throwDOMException throws a DOMException into the running script.
func (ex *execution) throwDOMException(name, msg string) {
	panic(ex.newDOMException(name, msg))
}
