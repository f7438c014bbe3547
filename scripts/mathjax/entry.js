// The build-time MathJax: MathJax 3's own server-side code (the liteDOM adaptor, TeX input,
// CHTML or SVG output, assistive MathML) behind two functions that build-site calls through
// V8 (the mini-racer package). scripts/bundle-mathjax bundles this file and its imports into
// builder/math/mathjax-bundle.js; nothing here runs under Node.js at build time.
//
// One MathJax document per post: its math elements are typeset in order, in one document
// with one TeX input jax, exactly as the reader's browser would typeset the page, so \def,
// \newcommand, equation numbers, \label and \eqref (forward references too) work across a
// post's formulas and nowhere else.

import {mathjax} from 'mathjax-full/js/mathjax.js';
import {TeX} from 'mathjax-full/js/input/tex.js';
import {CHTML} from 'mathjax-full/js/output/chtml.js';
import {SVG} from 'mathjax-full/js/output/svg.js';
import {liteAdaptor} from 'mathjax-full/js/adaptors/liteAdaptor.js';
import {RegisterHTMLHandler} from 'mathjax-full/js/handlers/html.js';
import {AssistiveMmlHandler} from 'mathjax-full/js/a11y/assistive-mml.js';
import 'mathjax-full/js/input/tex/AllPackages.js'; // registers every TeX package
import {Configuration, ConfigurationHandler} from 'mathjax-full/js/input/tex/Configuration.js';
import {CommandMap} from 'mathjax-full/js/input/tex/SymbolMap.js';

const VERSION = mathjax.version;

const adaptor = liteAdaptor({fontSize: 16});
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

// What the browser's tex-chtml.js has: these packages from the start, and those its
// autoload package loads on first use of one of their macros (all of which we load at once:
// a macro behaves the same whether its package was loaded early or on demand).
const CLIENT_PACKAGES = [
  'base', 'ams', 'newcommand', 'configmacros', 'action', 'amscd', 'bbox', 'boldsymbol',
  'braket', 'bussproofs', 'cancel', 'color', 'enclose', 'extpfeil', 'html', 'mhchem',
  'unicode', 'verb',
];

// --- what went wrong, per math element ---------------------------------------------------

let current = null; // the math item being compiled
let problems = []; // [element index, kind, message] of the document being typeset

// kind 'error': MathJax could not typeset it (the page shows the TeX); 'warning': typeset as
// the browser would, but probably not what the author meant.
function note(kind, message) {
  const index = current ? elementIndex(current) : -1;
  problems.push([index, kind, message]);
}

function elementIndex(math) {
  const node = math.start && math.start.node;
  const parent = node ? adaptor.parent(node) : null;
  const value = parent ? adaptor.getAttribute(parent, 'data-i') : null;
  return value === null || value === undefined ? -1 : Number(value);
}

// An undefined macro is drawn in red, as in the browser (the noundefined package), and noted.
const noUndefined = ConfigurationHandler.get('noundefined').fallback.macro;
Configuration.create('buildsite-undefined', {
  fallback: {
    macro(parser, name) {
      note('warning', `undefined control sequence \\${name}`);
      noUndefined(parser, name);
    },
  },
  options: {noundefined: {color: 'red', background: '', size: ''}},
  priority: 3,
});

// \require{package}: the package is enabled for the whole post before it is typeset (see
// requiredPackages), so the macro itself only consumes its argument.
new CommandMap('buildsite-require', {require: 'Require'}, {
  Require(parser, name) {
    parser.GetArgument(name);
  },
});
Configuration.create('buildsite-require', {handler: {macro: ['buildsite-require']}});

function requiredPackages(texts) {
  const found = [];
  for (const text of texts) {
    for (const match of text.matchAll(/\\require\s*\{\s*([^}\s]*)\s*\}/g)) {
      const name = match[1].replace(/^\[tex\]\//, '');
      if (!ConfigurationHandler.get(name) || ['require', 'autoload'].includes(name)) {
        found.push({missing: name});
      } else if (!found.some((p) => p.name === name)) {
        found.push({name});
      }
    }
  }
  return found;
}

// --- output jaxes, made once and shared by every document ------------------------------

const outputs = new Map();

function outputJax(options) {
  const key = JSON.stringify(options);
  if (!outputs.has(key)) {
    outputs.set(key, options.output === 'svg' ?
      new SVG({fontCache: 'local', exFactor: options.ex}) :
      new CHTML({fontURL: options.fontURL, adaptiveCSS: false, exFactor: options.ex}));
  }
  return outputs.get(key);
}

function texJax(options, extra) {
  return new TeX({
    packages: [...CLIENT_PACKAGES, ...extra, 'buildsite-undefined', 'buildsite-require'],
    inlineMath: [['\\(', '\\)']],
    displayMath: [['\\[', '\\]']],
    processEscapes: false,
    processEnvironments: true,
    tags: 'ams',
    macros: options.macros || {},
    formatError(jax, error) {
      note('error', error.message);
      return jax.formatError(error);
    },
  });
}

// --- the two entry points ------------------------------------------------------------------

// request: {options: {output, ex, fontURL, macros}, elements: [[tag, text], ...]}
// answer: {html: [inner HTML of each element after typesetting], problems: [[index, kind, message]]}
function render(request) {
  const {options, elements} = JSON.parse(request);
  const texts = elements.map((element) => element[1]);
  const required = requiredPackages(texts);
  problems = [];
  const tex = texJax(options, required.filter((p) => p.name).map((p) => p.name));
  const compile = tex.compile.bind(tex);
  tex.compile = (math, document) => {
    current = math;
    try {
      return compile(math, document);
    } finally {
      current = null;
    }
  };
  const page = adaptor.parse('<html><head></head><body></body></html>', 'text/html');
  const body = adaptor.body(page);
  const nodes = elements.map(([tag, text], i) => {
    const node = adaptor.node(tag, {'class': 'math', 'data-i': String(i)}, [adaptor.text(text)]);
    adaptor.append(body, node);
    return node;
  });
  const document = mathjax.document(page, {
    InputJax: tex, OutputJax: outputJax(options), processHtmlClass: 'math',
  });
  document.render();
  for (const p of required.filter((p) => p.missing)) {
    const index = texts.findIndex((text) => text.includes(p.missing));
    problems.push([index, 'warning', `\\require{${p.missing}}: no such TeX extension`]);
  }
  const labels = tex.parseOptions.tags.allLabels;
  texts.forEach((text, i) => {
    for (const match of text.matchAll(/\\(?:eq)?ref\s*\{([^}]*)\}/g)) {
      if (!(match[1] in labels)) {
        problems.push([i, 'warning', `no \\label{${match[1]}} in this post for this reference`]);
      }
    }
  });
  const html = nodes.map((node) => adaptor.innerHTML(node));
  return JSON.stringify({html, problems});
}

// The whole stylesheet an output needs for any formula: [[selector, declarations], ...].
function stylesheet(request) {
  const options = JSON.parse(request);
  const output = outputJax(options);
  const page = adaptor.parse('<html><head></head><body></body></html>', 'text/html');
  const document = mathjax.document(page, {InputJax: texJax(options, []), OutputJax: output});
  output.styleSheet(document);
  const styles = output.cssStyles.styles;
  const rules = Object.keys(styles).map((selector) => [
    selector,
    Object.keys(styles[selector]).map((p) => `${p}: ${styles[selector][p]}`).join('; '),
  ]);
  return JSON.stringify(rules);
}

globalThis.BuildSiteMathJax = {version: VERSION, render, stylesheet};
