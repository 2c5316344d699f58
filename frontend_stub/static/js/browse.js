// The listing view: filters, search as you type (with facet counts), keyset pages.
import { CARD_FIELDS, CATEGORIES, Pager, TECH_TRANSFER, pagerControls, productCard } from "./catalogue.js";
import { announce, debounce, field, h, humanise, loading, notice, select, titled, fill } from "./dom.js";

const PAGE = 10;
const STATUSES = [
  ["", "Any status"],
  ...["DRAFT", "SUBMITTED", "CHANGES_REQUESTED", "PUBLISHED", "WITHDRAWN", "SUSPENDED"].map((s) => [
    s,
    humanise(s),
  ]),
];
// Facet name → [its filter control, its heading].
const FACETS = {
  category: ["category", "Category"],
  techTransfer: ["techTransfer", "Technology transfer"],
  manufacturer: ["manufacturer", "Manufacturer"],
  controlEntry: ["controlEntryPrefix", "Control list entry"],
};

const PRODUCTS = `query Products($filter: ProductFilter, $first: Int, $after: String, $withStatus: Boolean!) {
  products(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${CARD_FIELDS} status @include(if: $withStatus) } }
  }
}`;

const SEARCH = `query Search($query: String!, $filter: ProductFilter, $facets: [String!], $first: Int, $after: String) {
  search(query: $query, filter: $filter, facets: $facets, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    facets { name values { value count label } }
    edges { highlights node { ${CARD_FIELDS} } }
  }
}`;

function filterControls(options) {
  const controls = {
    text: h("input", { type: "search", autocomplete: "off", id: "filter-text" }),
    category: select(CATEGORIES, { id: "filter-category" }),
    techTransfer: select(TECH_TRANSFER, { id: "filter-tech" }),
    controlEntryPrefix: h("input", { id: "filter-control", autocomplete: "off", spellcheck: "false" }),
    minUnitsAvailable: h("input", { id: "filter-units", type: "number", min: "1", inputmode: "numeric" }),
  };
  // Set only from the manufacturer facet; there is no control of its own.
  controls.manufacturer = { value: "" };
  if (options.statusChoice)
    controls.status = select(STATUSES, { id: "filter-status", value: options.status || "" });
  return controls;
}

function readFilter(controls, options) {
  const filter = {};
  if (controls.category.value) filter.category = controls.category.value;
  if (controls.techTransfer.value) filter.techTransfer = controls.techTransfer.value;
  const prefix = controls.controlEntryPrefix.value.trim();
  if (prefix) filter.controlEntryPrefix = prefix;
  const units = Number.parseInt(controls.minUnitsAvailable.value, 10);
  if (Number.isInteger(units) && units > 0) filter.minUnitsAvailable = units;
  if (controls.manufacturer.value) filter.manufacturerId = controls.manufacturer.value;
  const status = controls.status ? controls.status.value : options.status;
  if (status) filter.status = status;
  return filter;
}

function facetPanel(facets, controls, onPick) {
  if (!facets || !facets.length) return null;
  return h(
    "div",
    { class: "facets" },
    facets.map((facet) =>
      h(
        "fieldset",
        { class: "facet" },
        h("legend", {}, FACETS[facet.name]?.[1] || facet.name),
        facet.values.map((value) => {
          const control = controls[FACETS[facet.name]?.[0]];
          const pressed = control ? control.value === value.value : false;
          return h(
            "button",
            {
              type: "button",
              class: "chip",
              "aria-pressed": String(pressed),
              disabled: !control,
              onClick: () => {
                control.value = pressed ? "" : value.value;
                onPick();
              },
            },
            `${value.label || humanise(value.value)} (${value.count})`,
          );
        }),
      ),
    ),
  );
}

// options: { title, status (fixed status filter), statusChoice (show a status select), withStatus }
export function browseView(ctx, options) {
  const controls = filterControls(options);
  const pager = new Pager();
  const results = h("div", { class: "results" });
  let searchAvailable = ctx.features.search !== false;
  let sequence = 0;

  async function load() {
    const mine = ++sequence;
    results.setAttribute("aria-busy", "true");
    fill(results, loading());
    const filter = readFilter(controls, options);
    const text = controls.text.value.trim();
    try {
      const page = text && searchAvailable ? await search(text, filter) : await list(filter, text);
      if (mine !== sequence) return; // a newer request has been made meanwhile
      render(page);
    } catch (error) {
      if (mine !== sequence) return;
      if (error.unknownField && text && searchAvailable) {
        ctx.features.search = searchAvailable = false;
        return load();
      }
      fill(results, notice("error", error.message));
    }
    if (mine === sequence) results.setAttribute("aria-busy", "false");
  }

  async function search(text, filter) {
    const data = await ctx.api.query(SEARCH, {
      query: text,
      filter,
      facets: Object.keys(FACETS),
      first: PAGE,
      after: pager.current,
    });
    const connection = data.search;
    return {
      ...connection,
      items: connection.edges.map((e) => ({ product: e.node, highlights: e.highlights })),
    };
  }

  async function list(filter, text) {
    if (text) filter.text = text; // substring match when the server has no search
    const variables = { filter, first: PAGE, after: pager.current, withStatus: Boolean(options.withStatus) };
    const connection = (await ctx.api.query(PRODUCTS, variables)).products;
    return {
      ...connection,
      facets: [],
      items: connection.edges.map((e) => ({ product: e.node, highlights: [] })),
    };
  }

  function render(page) {
    const count = `${page.totalCount} ${page.totalCount === 1 ? "listing" : "listings"}`;
    announce(`${count} found`);
    const cards = page.items.map(({ product, highlights }) =>
      productCard(product, {
        highlights,
        extra: product.status ? [["Status", humanise(product.status)]] : [],
      }),
    );
    fill(
      results,
      h("p", { class: "result-count" }, count),
      facetPanel(page.facets, controls, restart),
      cards.length
        ? h("ul", { class: "cards", "aria-label": "Listings" }, cards)
        : h("p", {}, "Nothing matches these filters."),
      pagerControls(pager, page.pageInfo, load),
    );
  }

  function restart(event) {
    // A new search starts without the manufacturer picked from the previous one's facets.
    if (event && event.target === controls.text) controls.manufacturer.value = "";
    pager.reset();
    load();
  }

  const typed = debounce(restart, 250);
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter listings",
      onSubmit: (event) => (event.preventDefault(), restart()),
    },
    field("Search", controls.text, { hint: "Results update as you type." }),
    // Folded away on a phone so the results are on the first screen.
    h(
      "details",
      { class: "more-filters", open: window.matchMedia("(min-width: 40rem)").matches },
      h("summary", {}, "Filters"),
      h(
        "div",
        { class: "filter-grid" },
        field("Category", controls.category),
        field("Technology transfer", controls.techTransfer),
        field("Control list entry", controls.controlEntryPrefix, { hint: "A prefix such as ML6" }),
        field("At least this many units", controls.minUnitsAvailable),
        controls.status ? field("Status", controls.status) : null,
      ),
    ),
  );
  for (const name of ["text", "controlEntryPrefix", "minUnitsAvailable"])
    controls[name].addEventListener("input", typed);
  for (const name of ["category", "techTransfer", "status"])
    controls[name]?.addEventListener("change", restart);

  fill(ctx.view, titled(options.title), options.intro ? h("p", {}, options.intro) : null, form, results);
  load();
}
