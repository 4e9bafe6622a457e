// Package sanitize turns a block's rendered HTML into markup that is safe to
// show in a viewer's browser and still whole: SVG charts (presentation
// attributes, gradients, local <use> references, text), MathML, buttons and
// every form control, details/summary, dialog, tables, ARIA, data-*, class,
// id, inline style and the block's <style> elements stay; scripts, event
// handler attributes, javascript: and other active URLs, <base>, <meta
// http-equiv>, frames, objects, embeds, SVG animation of links and form
// submission targets go. The policy is bluemonday's (a kept sanitiser), and
// the page's Content-Security-Policy is the second wall.
//
// Clean also says what it removed, counted by kind with a reason, so the UI
// can tell an author why an element of theirs is missing.
package sanitize
