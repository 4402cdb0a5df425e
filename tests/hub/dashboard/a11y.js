// A small automated accessibility check, run in the page: returns a list of problems, empty when none.
// Covers what the dashboard's pages can get wrong: the document's language and title, landmarks, one h1
// and no skipped heading levels, a label for every form field, a name for every link, button and image,
// and WCAG AA contrast (4.5:1) for status badges and marks, whose colour carries meaning.
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const name = (el) => (el.getAttribute("aria-label") || el.textContent || "").trim() ||
    Array.from(el.querySelectorAll("[aria-label]")).map((n) => n.getAttribute("aria-label")).join(" ").trim() ||
    (el.querySelector("img[alt]") ? el.querySelector("img[alt]").alt.trim() : "");
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (!document.title.trim()) problems.push("document has no title");
  if (document.querySelectorAll("main").length !== 1) problems.push("not exactly one main landmark");
  if (!document.querySelector("header")) problems.push("no banner landmark (header)");
  const h1s = document.querySelectorAll("h1");
  if (h1s.length !== 1) problems.push(`${h1s.length} h1 headings`);
  let last = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (last && level > last + 1) problems.push(`heading level skips from h${last} to h${level}: ${h.textContent.trim().slice(0, 40)}`);
    last = level;
  }
  for (const field of document.querySelectorAll("input, select, textarea")) {
    if (field.type === "hidden") continue;
    const labelled = field.getAttribute("aria-label") || field.closest("label") ||
      (field.id && document.querySelector(`label[for="${field.id}"]`));
    if (!labelled) problems.push(`form field without a label: ${field.name}`);
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    if (visible(el) && !name(el)) problems.push(`${el.tagName.toLowerCase()} without a name: ${el.outerHTML.slice(0, 80)}`);
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) problems.push(`img without alt: ${img.src}`);
  for (const svg of document.querySelectorAll("svg")) {
    if (svg.getAttribute("aria-hidden") !== "true" && !(svg.getAttribute("role") === "img" && svg.getAttribute("aria-label"))) {
      problems.push("svg without role=img and a label");
    }
  }
  const rgb = (value) => (value.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  for (const el of document.querySelectorAll(".badge, .mark")) {
    const style = getComputedStyle(el);
    const [a, b] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) problems.push(`status contrast ${ratio.toFixed(2)}:1 under 4.5:1 on ${el.className}`);
    if (!(el.textContent.trim() && (el.getAttribute("aria-label") || el.textContent.trim().length > 1 || el.title))) {
      problems.push(`status without a word: ${el.outerHTML.slice(0, 80)}`);
    }
  }
  return problems;
}
