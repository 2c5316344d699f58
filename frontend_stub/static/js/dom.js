// Small DOM helpers. Text always goes in as text nodes: nothing from the server becomes markup.

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name in element && typeof value !== "string") {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let uniqueCounter = 0;
export function uid(prefix) {
  uniqueCounter += 1;
  return `${prefix}-${uniqueCounter}`;
}

export function announce(message) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  // A fresh text node after a tick makes screen readers read repeated messages again.
  setTimeout(() => (region.textContent = message), 50);
}

export function titled(text) {
  document.title = `${text} — Defence export marketplace`;
  return h("h1", { tabindex: "-1", class: "view-title" }, text);
}

// Errors interrupt; other news is spoken through the one live region by announce().
export function notice(kind, text) {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : null }, text);
}

export function loading() {
  return h("p", { class: "loading", role: "status" }, "Loading…");
}

// A labelled form control with a slot for its error message.
export function field(label, control, { hint, name } = {}) {
  const id = control.id || uid("field");
  control.id = id;
  if (name) control.name = name;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  control.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  return h(
    "div",
    { class: "field", "data-field": control.name || "" },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll(".field-error")) {
    slot.textContent = "";
    slot.hidden = true;
  }
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
  const summary = form.querySelector(".form-errors");
  if (summary) summary.remove();
}

// Shows UserErrors next to their fields (a dotted path ends in the field's name) and all of
// them in a summary at the top of the form, which takes focus so keyboard users hear it.
export function showErrors(form, errors) {
  clearErrors(form);
  const items = [];
  for (const error of errors) {
    const name = (error.field || "").split(".").pop();
    const wrapper = name ? form.querySelector(`.field[data-field="${CSS.escape(name)}"]`) : null;
    const control = wrapper ? wrapper.querySelector("input, select, textarea") : null;
    if (wrapper) {
      const slot = wrapper.querySelector(".field-error");
      slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
      slot.hidden = false;
      control.setAttribute("aria-invalid", "true");
    }
    // A link to the field, handled here so that it does not change the page's route.
    const jump = (event) => (event.preventDefault(), control.focus());
    items.push(
      h("li", {}, control ? h("a", { href: `#${control.id}`, onClick: jump }, error.message) : error.message),
    );
  }
  const summary = h(
    "div",
    { class: "notice error form-errors", role: "alert", tabindex: "-1" },
    h("p", {}, "Please correct the following:"),
    h("ul", {}, items),
  );
  form.prepend(summary);
  summary.focus();
}

const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: "EUR" });
const day = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" });

export function formatMoney(value) {
  return value === null || value === undefined ? "on request" : money.format(Number(value));
}

export function formatDate(value) {
  return value ? day.format(new Date(value)) : "—";
}

// Enum values (GROUND_DRONE) read as words; free text from the server is left as written.
export function humanise(value) {
  if (value === null || value === undefined) return "—";
  if (!/^[A-Z0-9_]+$/.test(String(value))) return String(value);
  const text = String(value).replaceAll("_", " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function definitionList(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== "")
      .map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

export function select(options, { value = "", id } = {}) {
  return h(
    "select",
    { id },
    options.map(([optionValue, label]) =>
      h("option", { value: optionValue, selected: optionValue === value }, label),
    ),
  );
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// replaceChildren without the nulls that optional parts of a view leave behind.
export function fill(container, ...children) {
  container.replaceChildren(
    ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false),
  );
}

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1].toLowerCase() === "x" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

// Search highlights arrive HTML-escaped with the matched words in <mark>…</mark>. They are
// rebuilt as text nodes and <mark> elements, never parsed as markup.
export function highlighted(snippet) {
  const parts = snippet.split(/<mark>(.*?)<\/mark>/s);
  return parts.map((part, index) => (index % 2 ? h("mark", {}, unescapeHtml(part)) : unescapeHtml(part)));
}
