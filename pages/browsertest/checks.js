// In-page checks of what a person needs to use the page: a language, a
// title, a name for every control, readable contrast, and no sideways
// scrolling. Returns a list of problems, empty when the page passes.
(() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("the page has no lang");
  if (!document.title.trim()) problems.push("the page has no <title>");
  const vp = document.querySelector('meta[name="viewport"]');
  if (!vp || !/width=device-width/.test(vp.content)) problems.push("the page has no viewport meta with width=device-width");

  const describe = (el) => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    else if (el.name) d += "[name=" + el.name + "]";
    const text = (el.textContent || "").trim().slice(0, 40);
    return text ? d + " (" + text + ")" : d;
  };

  // Every control has an accessible name: a label, aria-label(ledby), or for a
  // button its text.
  const nameOf = (el) => {
    const aria = el.getAttribute("aria-label");
    if (aria && aria.trim()) return aria.trim();
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const t = by.split(/\s+/).map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent).join(" ").trim();
      if (t) return t;
    }
    if (el.labels && el.labels.length) {
      const t = Array.from(el.labels).map((l) => l.textContent).join(" ").trim();
      if (t) return t;
    }
    if (el.tagName === "BUTTON" || el.tagName === "SUMMARY" || el.tagName === "A") {
      const t = (el.textContent || "").trim();
      if (t) return t;
    }
    if (el.tagName === "INPUT" && /^(submit|button|reset)$/.test(el.type) && el.value.trim()) return el.value.trim();
    const title = el.getAttribute("title");
    return title && title.trim() ? title.trim() : "";
  };
  for (const el of document.querySelectorAll("input:not([type=hidden]), textarea, select, button, a[href], summary")) {
    if (!nameOf(el)) problems.push("no accessible name: " + describe(el));
  }

  // Contrast of every visible text against the background behind it.
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const ch = [c.r, c.g, c.b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  const background = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const ratio = (a, b) => {
    const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (l1 + 0.05) / (l2 + 0.05);
  };
  let checked = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!ownText || el.getClientRects().length === 0) continue;
    const st = getComputedStyle(el);
    if (st.visibility === "hidden" || st.display === "none" || el.closest(".visually-hidden")) continue;
    const fg = parse(st.color);
    if (!fg) continue;
    const r = ratio(fg, background(el));
    checked++;
    if (r < 4.5) problems.push("contrast " + r.toFixed(2) + " < 4.5: " + describe(el));
  }
  if (checked === 0) problems.push("no visible text to check");

  const doc = document.documentElement;
  // Against the screen, not the layout viewport: a page without a viewport
  // meta gets a wide layout viewport and is zoomed out to fit it.
  const width = Math.min(window.innerWidth, screen.width);
  if (doc.scrollWidth > width) {
    problems.push("scrolls sideways: " + doc.scrollWidth + "px wide on a " + width + "px screen");
  }
  return problems;
})()
