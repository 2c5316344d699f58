// Product listings and product details, shared by every role's views.
import { definitionList, formatDate, formatMoney, h, highlighted, humanise } from "./dom.js";

export const CATEGORIES = [
  ["", "All categories"],
  ["GROUND_DRONE", "Ground drones"],
  ["NAVAL_DRONE", "Naval drones"],
  ["SOFTWARE", "Software"],
];
export const TECH_TRANSFER = [
  ["", "Any technology transfer"],
  ["NONE", "None"],
  ["MAINTENANCE", "Maintenance"],
  ["LICENSED_PRODUCTION", "Licensed production"],
];

export const CARD_FIELDS = `
  id name category summary controlEntry techTransfer unitsAvailable leadTimeDays unitPriceEur
  manufacturer { id name }`;

export const DETAIL_FIELDS = `
  ${CARD_FIELDS}
  description publishedAt
  specs {
    __typename
    ... on GroundDroneSpecs { rangeKm enduranceH payloadKg maxSpeedKmh massKg drive autonomyLevel comms }
    ... on NavalDroneSpecs { rangeKm enduranceH payloadKg maxSpeedKnots lengthM hull autonomyLevel comms }
    ... on SoftwareSpecs { deployment platforms autonomyLevel integrations licenceModel }
  }
  combatRecord { firstDeployment roles evidence }`;

const SPEC_LABELS = {
  rangeKm: ["Range", "km"],
  enduranceH: ["Endurance", "h"],
  payloadKg: ["Payload", "kg"],
  maxSpeedKmh: ["Top speed", "km/h"],
  maxSpeedKnots: ["Top speed", "kn"],
  massKg: ["Mass", "kg"],
  lengthM: ["Length", "m"],
  drive: ["Drive"],
  hull: ["Hull"],
  autonomyLevel: ["Autonomy"],
  comms: ["Communications"],
  deployment: ["Deployment"],
  platforms: ["Platforms"],
  integrations: ["Integrations"],
  licenceModel: ["Licence model"],
};

function specValue(value, unit) {
  if (Array.isArray(value)) return value.length ? value.join(", ") : null;
  if (value === null || value === undefined) return null;
  return unit ? `${value} ${unit}` : humanise(value);
}

export function leadTime(product) {
  return product.leadTimeDays === null ? "on request" : `${product.leadTimeDays} days`;
}

export function productCard(product, { extra = [], highlights = [] } = {}) {
  return h(
    "li",
    { class: "card" },
    h(
      "h2",
      { class: "card-title" },
      h("a", { href: `#/product/${encodeURIComponent(product.id)}` }, product.name),
    ),
    h(
      "p",
      { class: "muted" },
      `${product.manufacturer.name} · ${humanise(product.category)} · ${product.controlEntry}`,
    ),
    h("p", {}, product.summary),
    highlights.length
      ? h(
          "p",
          { class: "highlight" },
          h("span", { class: "visually-hidden" }, "Matches: "),
          highlights.map((text) => h("span", {}, highlighted(text), " … ")),
        )
      : null,
    definitionList([
      ["Available", `${product.unitsAvailable} units`],
      ["Lead time", leadTime(product)],
      ["Unit price", formatMoney(product.unitPriceEur)],
      ...extra,
    ]),
  );
}

export function productDetails(product) {
  const specs = Object.entries(product.specs)
    .filter(([key]) => key in SPEC_LABELS)
    .map(([key, value]) => [SPEC_LABELS[key][0], specValue(value, SPEC_LABELS[key][1])]);
  const record = product.combatRecord;
  return h(
    "div",
    { class: "product-details" },
    h("p", { class: "lead" }, product.summary),
    product.description ? h("p", {}, product.description) : null,
    h(
      "section",
      { "aria-labelledby": "availability-title" },
      h("h2", { id: "availability-title" }, "Availability"),
      definitionList([
        ["Manufacturer", product.manufacturer.name],
        ["Category", humanise(product.category)],
        ["Control list entry", product.controlEntry],
        ["Technology transfer", humanise(product.techTransfer)],
        ["Units available for export", String(product.unitsAvailable)],
        ["Lead time", leadTime(product)],
        ["Indicative unit price", formatMoney(product.unitPriceEur)],
      ]),
    ),
    h(
      "section",
      { "aria-labelledby": "specs-title" },
      h("h2", { id: "specs-title" }, "Specifications"),
      specs.length ? definitionList(specs) : h("p", {}, "No specifications given."),
    ),
    h(
      "section",
      { "aria-labelledby": "record-title" },
      h("h2", { id: "record-title" }, "Combat record"),
      record
        ? definitionList([
            ["First deployment", formatDate(record.firstDeployment)],
            ["Roles", record.roles.join(", ")],
            ["Evidence", record.evidence],
          ])
        : h("p", {}, "No combat record given."),
    ),
  );
}

// Keyset pagination: the cursors of the pages already seen, so "Previous" can go back.
export class Pager {
  constructor() {
    this.afters = [null];
  }
  get current() {
    return this.afters[this.afters.length - 1];
  }
  get pageNumber() {
    return this.afters.length;
  }
  reset() {
    this.afters = [null];
  }
  next(endCursor) {
    this.afters.push(endCursor);
  }
  previous() {
    if (this.afters.length > 1) this.afters.pop();
  }
}

export function pagerControls(pager, pageInfo, onChange) {
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h(
      "button",
      {
        type: "button",
        class: "button secondary",
        disabled: pager.pageNumber === 1,
        onClick: () => {
          pager.previous();
          onChange();
        },
      },
      "Previous page",
    ),
    h("span", { class: "muted" }, `Page ${pager.pageNumber}`),
    h(
      "button",
      {
        type: "button",
        class: "button secondary",
        disabled: !pageInfo.hasNextPage,
        onClick: () => {
          pager.next(pageInfo.endCursor);
          onChange();
        },
      },
      "Next page",
    ),
  );
}
