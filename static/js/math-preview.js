// The answer box's live preview: the learner's text drawn as maths (fractions, powers, roots) in
// MathML, which the browser renders itself, so no library or CDN is needed. It reads the same
// language as the answer checker (checking/tokens.py and parser.py): numbers, single letters,
// + - * / ^ ( ) =, sqrt(), abs(), pi, and implicit multiplication (2x, 3(x+1)). It only draws what was
// typed, as typed (0.75 stays 0.75, 6/8 stays 6/8); the server still does all the checking.
(function () {
  "use strict";
  const NS = "http://www.w3.org/1998/Math/MathML";
  const MAX_CHARS = 500; // as the checker: longer answers are refused there too
  const SYMBOLS = { "\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u00f7": "/" };
  const TOKEN = /\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z]+)|(\*\*|[-+*/^()=]))/y;

  class Unreadable extends Error {}

  function tokenize(text) {
    text = text.normalize("NFKC").replace(/[\u2212\u2013\u00d7\u22c5\u00b7\u00f7]/g, (c) => SYMBOLS[c]).trim();
    const tokens = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      const at = TOKEN.lastIndex;
      const match = TOKEN.exec(text);
      if (!match) throw new Unreadable(`"${text[at]}" is not something I can read`);
      if (match[1]) tokens.push({ kind: "number", text: match[1] });
      else if (match[2]) {
        const name = match[2].toLowerCase();
        if (name === "sqrt" || name === "abs") tokens.push({ kind: "func", text: name });
        else if (name === "pi") tokens.push({ kind: "const", text: "\u03c0" });
        else for (const letter of match[2]) tokens.push({ kind: "var", text: letter });
      } else tokens.push({ kind: "op", text: match[3] === "**" ? "^" : match[3] });
    }
    return tokens;
  }

  function el(name, children, text) {
    const node = document.createElementNS(NS, name);
    if (text !== undefined) node.textContent = text;
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  // A node plus whether it is a bracketed group, whose brackets a fraction bar or an exponent makes
  // redundant: (x+1)/2 is drawn as a fraction over 2, x^(1/2) as x to the power of a half.
  function group(node, bracketed) { return { node, bracketed }; }
  function bare(part) { return part.bracketed ? part.node.childNodes[1] : part.node; }

  function parse(tokens) {
    let position = 0;
    const peek = () => tokens[position];
    const isOp = (...ops) => peek() && peek().kind === "op" && ops.includes(peek().text);
    const take = () => {
      if (position >= tokens.length) throw new Unreadable("the answer ends too early");
      return tokens[position++];
    };

    function expression() {
      const parts = [term().node];
      while (isOp("+", "-")) {
        parts.push(el("mo", [], take().text === "-" ? "\u2212" : "+"), term().node);
      }
      return group(parts.length === 1 ? parts[0] : el("mrow", parts), false);
    }

    function term() {
      let left = unary();
      for (;;) {
        if (isOp("/")) {
          take();
          left = group(el("mfrac", [bare(left), bare(unary())]), false);
        } else if (isOp("*")) {
          take();
          left = group(el("mrow", [left.node, el("mo", [], "\u00d7"), unary().node]), false);
        } else if (startsImplicitFactor()) {
          left = group(el("mrow", [left.node, el("mo", [], "\u2062"), power().node]), false);
        } else return left;
      }
    }

    function startsImplicitFactor() {
      const token = peek();
      if (!token) return false;
      if (token.kind === "number") {
        if (tokens[position - 1].kind === "number") throw new Unreadable("two numbers side by side");
        return true;
      }
      return token.kind === "var" || token.kind === "func" || token.kind === "const" || isOp("(");
    }

    function unary() {
      if (isOp("-", "+")) {
        const sign = take().text === "-" ? "\u2212" : "+";
        return group(el("mrow", [el("mo", [], sign), unary().node]), false);
      }
      return power();
    }

    function power() {
      const base = primary();
      if (!isOp("^")) return base;
      take();
      return group(el("msup", [base.node, bare(unary())]), false);
    }

    function primary() {
      const token = take();
      if (token.kind === "number") return group(el("mn", [], token.text), false);
      if (token.kind === "var") return group(el("mi", [], token.text), false);
      if (token.kind === "const") return group(el("mi", [], token.text), false);
      if (token.kind === "func") {
        const inside = bare(bracketed());
        if (token.text === "sqrt") return group(el("msqrt", [inside]), false);
        return group(el("mrow", [el("mo", [], "|"), inside, el("mo", [], "|")]), false);
      }
      if (token.kind === "op" && token.text === "(") {
        position -= 1;
        return bracketed();
      }
      throw new Unreadable(`"${token.text}" cannot go there`);
    }

    function bracketed() {
      if (!isOp("(")) throw new Unreadable("expected (");
      take();
      const inside = expression().node;
      if (!isOp(")")) throw new Unreadable("a bracket is not closed");
      take();
      return group(el("mrow", [el("mo", [], "("), inside, el("mo", [], ")")]), true);
    }

    const sides = [expression().node];
    while (isOp("=")) {
      take();
      sides.push(el("mo", [], "="), expression().node);
    }
    if (position < tokens.length) throw new Unreadable(`"${peek().text}" cannot go there`);
    return el("math", [sides.length === 1 ? sides[0] : el("mrow", sides)]);
  }

  // Fill `output` with the preview of `text`: the maths, or a short reason it cannot be read yet.
  function show(output, text) {
    output.replaceChildren();
    delete output.dataset.state;
    output.dataset.source = text; // which text the preview shows (tests wait on it)
    if (!text.trim()) return;
    try {
      if (text.length > MAX_CHARS) throw new Unreadable(`that is longer than ${MAX_CHARS} characters`);
      output.appendChild(parse(tokenize(text)));
      output.dataset.state = "maths";
    } catch (error) {
      if (!(error instanceof Unreadable)) throw error;
      output.textContent = "Can't read this yet: " + error.message;
      output.dataset.state = "unreadable";
    }
  }

  window.mathPreview = { show };
})();
