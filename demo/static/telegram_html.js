// Telegram HTML -> DOM nodes. Only the tags Telegram allows become elements; every other
// tag, attribute and character stays text. Nothing here ever assigns innerHTML.

const SIMPLE = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote",
  "tg-spoiler"]);
const TAG = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*>/;
const ATTR = /([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const NAMED = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00a0" };
const SAFE_LINK = /^(https?:|mailto:|tg:)/i;

function decode(text) {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, body) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[body] ?? whole;
  });
}

function attributes(source) {
  const found = {};
  for (const match of source.matchAll(ATTR)) {
    found[match[1].toLowerCase()] = decode(match[2] ?? match[3] ?? match[4] ?? "");
  }
  return found;
}

// The element for an allowed opening tag, or null when Telegram would not accept it.
function element(doc, name, attrs) {
  if (name === "span") {
    if (attrs.class !== "tg-spoiler") return null;
    return spoiler(doc);
  }
  if (name === "tg-spoiler") return spoiler(doc);
  if (name === "a") {
    const link = doc.createElement("a");
    const href = (attrs.href || "").trim();
    if (SAFE_LINK.test(href) && !/^tg:/i.test(href)) {
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    } else {
      link.className = "tg-mention";  // tg://user?id=... names a person: nothing to open here
    }
    return link;
  }
  if (!SIMPLE.has(name)) return null;
  const node = doc.createElement(name);
  if (name === "code" && /^language-[\w+#-]+$/.test(attrs.class || "")) node.className = attrs.class;
  return node;
}

function spoiler(doc) {
  const node = doc.createElement("span");
  node.className = "tg-spoiler";
  node.addEventListener("click", () => node.classList.add("revealed"));
  return node;
}

export function renderTelegramHtml(html, doc = document) {
  const root = doc.createDocumentFragment();
  const stack = [{ name: null, node: root }];
  let text = "";
  const flush = () => {
    if (text) stack[stack.length - 1].node.appendChild(doc.createTextNode(decode(text)));
    text = "";
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    if (lt < 0) {
      text += html.slice(i);
      break;
    }
    text += html.slice(i, lt);
    const match = TAG.exec(html.slice(lt));
    if (!match) {
      text += "<";
      i = lt + 1;
      continue;
    }
    const [whole, closing, rawName, rawAttrs] = match;
    const name = rawName.toLowerCase();
    if (closing) {
      const open = stack.findLastIndex((entry) => entry.name === name);
      if (open > 0) {
        flush();
        stack.length = open;
      } else {
        text += whole;  // a closing tag with nothing to close stays text
      }
    } else {
      const node = element(doc, name, attributes(rawAttrs));
      if (node) {
        flush();
        stack[stack.length - 1].node.appendChild(node);
        stack.push({ name, node });
      } else {
        text += whole;
      }
    }
    i = lt + whole.length;
  }
  flush();
  return root;
}

export function plainText(html) {
  return renderTelegramHtml(html).textContent;
}
