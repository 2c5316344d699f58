// Curators: review a listing (publish or send back) and decide which countries it is released to.
import { DETAIL_FIELDS, productDetails } from "./catalogue.js";
import {
  announce,
  clearErrors,
  definitionList,
  field,
  formatDate,
  h,
  humanise,
  loading,
  notice,
  showErrors,
  titled,
  fill,
} from "./dom.js";
import { REVISION_FIELDS, revisionPanels } from "./revisions.js";

const PRODUCT = `query CuratedProduct($id: ID!) {
  product(id: $id) {
    ${DETAIL_FIELDS} status reviewNote unitsAvailable unitsReserved
    releases { country releasedAt expiresAt }
    ${REVISION_FIELDS}
  }
  countries { code name embargoed eu nato partner }
}`;

const RESULT = `product { id status reviewNote releases { country } } errors { field message code }`;
const MUTATIONS = {
  publish: `mutation($input: ProductIdInput!) { publishProduct(input: $input) { ${RESULT} } }`,
  changes: `mutation($input: ProductNoteInput!) { requestProductChanges(input: $input) { ${RESULT} } }`,
  release: `mutation($input: ProductCountriesInput!) { releaseProduct(input: $input) { ${RESULT} } }`,
  revoke: `mutation($input: ProductCountriesInput!) { revokeRelease(input: $input) { ${RESULT} } }`,
};

export async function curatorProductView(ctx, id) {
  fill(ctx.view, loading());
  const data = await ctx.api.query(PRODUCT, { id });
  const product = data.product;
  if (!product) {
    fill(ctx.view, titled("Listing not found"), notice("error", "This listing does not exist."));
    return;
  }
  const rerender = () => curatorProductView(ctx, id);
  // Licensing officers see the same listing, read-only: the buttons follow the token's scopes.
  const curates = ctx.me.scopes.includes("catalog:curate");
  const [backHref, backLabel] = ctx.role.back;
  fill(
    ctx.view,
    h("p", {}, h("a", { href: backHref }, `← ${backLabel}`)),
    titled(product.name),
    h(
      "div",
      { class: "panel status-panel" },
      definitionList([
        [
          "Status",
          h(
            "span",
            { class: `badge status-${product.status.toLowerCase()}`, id: "product-status" },
            humanise(product.status),
          ),
        ],
        ["Review note", product.reviewNote],
        ["Published", product.publishedAt ? formatDate(product.publishedAt) : null],
        ["Units available", String(product.unitsAvailable)],
        ["Units reserved by accepted quotes", String(product.unitsReserved ?? 0)],
      ]),
      curates ? reviewActions(ctx, product, rerender) : null,
    ),
    revisionPanels(ctx, product, rerender),
    curates ? releasePanel(ctx, product, data.countries, rerender) : releaseList(product),
    productDetails(product),
  );
}

async function mutate(ctx, form, name, input, done) {
  clearErrors(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const data = await ctx.api.query(MUTATIONS[name], { input });
    const payload = Object.values(data)[0];
    if (payload.errors.length) {
      showErrors(form, payload.errors);
      return;
    }
    await done(payload.product);
  } catch (error) {
    showErrors(form, [{ field: null, message: error.message }]);
  } finally {
    button.disabled = false;
  }
}

function reviewActions(ctx, product, rerender) {
  if (product.status !== "SUBMITTED") return null;
  const publish = h(
    "form",
    { class: "inline-form" },
    h("button", { type: "submit", class: "button" }, "Publish listing"),
  );
  publish.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, publish, "publish", { productId: product.id }, async () => {
      announce(`${product.name} is published.`);
      await rerender();
    });
  });
  const note = h("textarea", { rows: "3" });
  const changes = h(
    "form",
    { class: "stack", novalidate: true },
    field("What should the manufacturer change?", note, { name: "note" }),
    h("button", { type: "submit", class: "button secondary" }, "Request changes"),
  );
  changes.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, changes, "changes", { productId: product.id, note: note.value.trim() }, async () => {
      announce(`Changes requested for ${product.name}.`);
      await rerender();
    });
  });
  return h("div", { class: "review-actions" }, h("h2", {}, "Review"), publish, changes);
}

// Offers the programme's partner countries as checkboxes; any other code can be typed (the
// server refuses countries off the partner list with NOT_A_PARTNER_COUNTRY).
function releasePanel(ctx, product, countries, rerender) {
  const released = new Set((product.releases || []).map((r) => r.country));
  const candidates = countries.filter((c) => c.partner && !released.has(c.code));
  const boxes = candidates.map((c) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", value: c.code }), ` ${c.name} (${c.code})`),
  );
  const other = h("input", { autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    h("fieldset", { class: "country-grid", "data-field": "countries" }, h("legend", {}, "Release to"), boxes),
    field("Other country codes", other, {
      name: "countries",
      hint: "Comma-separated ISO codes, e.g. NO, CH",
    }),
    h("button", { type: "submit", class: "button" }, "Release"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const codes = [
      ...[...form.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value),
      ...other.value
        .split(",")
        .map((code) => code.trim().toUpperCase())
        .filter(Boolean),
    ];
    if (!codes.length) {
      showErrors(form, [{ field: "countries", message: "Choose at least one country." }]);
      return;
    }
    mutate(ctx, form, "release", { productId: product.id, countries: codes }, async () => {
      announce(`Released to ${codes.join(", ")}.`);
      await rerender();
    });
  });
  return h(
    "section",
    { class: "panel", "aria-labelledby": "releases-title" },
    h("h2", { id: "releases-title" }, "Releases"),
    released.size
      ? h(
          "ul",
          { class: "releases", "aria-label": "Released to" },
          (product.releases || []).map((r) => releaseItem(ctx, product, r, rerender)),
        )
      : h("p", {}, "Not released to any country."),
    form,
  );
}

function releaseList(product) {
  const releases = product.releases || [];
  return h(
    "section",
    { class: "panel", "aria-labelledby": "releases-title" },
    h("h2", { id: "releases-title" }, "Releases"),
    releases.length
      ? h(
          "ul",
          { class: "releases", "aria-label": "Released to" },
          releases.map((r) => h("li", {}, `${r.country} · since ${formatDate(r.releasedAt)}`)),
        )
      : h("p", {}, "Not released to any country."),
  );
}

function releaseItem(ctx, product, release, rerender) {
  const form = h(
    "form",
    { class: "inline-form" },
    h(
      "button",
      {
        type: "submit",
        class: "button small secondary",
        "aria-label": `Revoke release to ${release.country}`,
      },
      "Revoke",
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    mutate(ctx, form, "revoke", { productId: product.id, countries: [release.country] }, async () => {
      announce(`Release to ${release.country} revoked.`);
      await rerender();
    });
  });
  return h("li", {}, h("span", {}, `${release.country} · since ${formatDate(release.releasedAt)}`), form);
}
