// Medusa's half of the interop test (tests/integration/medusa_interop.rs): boots a real Medusa
// 2.21.2 module system (Product module, the Brand module in ./brand, Medusa's link modules; no
// HTTP server) on the PostgreSQL database in DATABASE_URL, then answers commands, one JSON
// object per line on stdin. Each answer is one line on stdout starting with "@@ " (Medusa logs
// to stdout too; the test skips every other line): {"ok": value} or {"error": message}.
//
//   {"op":"migrate"}                      module migrations, then Medusa's link planner (executed)
//   {"op":"plan"}                         Medusa's link planner, planned only: [{action, tableName}]
//   {"op":"seed","products":n,"brands":n} products (each with a variant), tags, categories, brands
//   {"op":"create"|"dismiss","links":[…]} link.create / link.dismiss with Medusa's link shape
//   {"op":"delete"|"restore","input":{…}} link.delete / link.restore ({module: {key: ids}})
//   {"op":"concurrently","creates":[links, …]}  link.create calls all at once: [{ok}|{error}]
//   {"op":"list","links":[…]}             link.list(links, {asLinkDefinition: true})
//   {"op":"graph","entity":…,"fields":[…],"filters":{…}}   query.graph
// Any command may carry "at" (epoch milliseconds): it starts then, to race another process.
import { createRequire } from "node:module"
import path from "node:path"
import readline from "node:readline"
import { fileURLToPath } from "node:url"

process.env.MEDUSA_DISABLE_TELEMETRY = "true"
const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))

const { MedusaApp, ModulesDefinition } = require("@medusajs/framework/modules-sdk")
const { createMedusaContainer, defineLink, ContainerRegistrationKeys, Modules } = require("@medusajs/framework/utils")
// MedusaApp would import "@medusajs/medusa/link-modules" (a re-export of @medusajs/link-modules);
// it is handed @medusajs/link-modules directly instead of the whole @medusajs/medusa package.
const { initialize: linkInitialize, getMigrationPlanner } = require("@medusajs/link-modules")
const { logger } = require("@medusajs/framework/logger")
const ProductModule = require("@medusajs/product").default
const BrandModule = require("./brand/index.js").default

const DB_URL = process.env.DATABASE_URL
if (!DB_URL) {
  console.error("DATABASE_URL is not set")
  process.exit(2)
}

// The links of every kind Medusa supports; the Rust test declares the same ones.
// One-to-many: a brand has many products, a product one brand.
defineLink({ linkable: ProductModule.linkable.product, isList: true }, BrandModule.linkable.brand)
// One-to-one: a variant and a brand.
defineLink(ProductModule.linkable.productVariant, BrandModule.linkable.brand)
// Many-to-many: tags and brands.
defineLink({ linkable: ProductModule.linkable.productTag, isList: true }, { linkable: BrandModule.linkable.brand, isList: true })
// One-to-many with extra columns of several types: a category has many brands, a brand one category.
defineLink(ProductModule.linkable.productCategory, { linkable: BrandModule.linkable.brand, isList: true }, {
  database: {
    extraColumns: {
      featured: { type: "boolean", defaultValue: "false" },
      position: { type: "integer", nullable: true },
      label: { type: "string", nullable: true },
      note: { type: "text", nullable: true },
      meta: { type: "json", nullable: true },
      since: { type: "datetime", nullable: true },
      rank: { type: "bigint", nullable: true },
      weight: { type: "double", nullable: true },
    },
  },
})

const container = createMedusaContainer()
container.register(ContainerRegistrationKeys.LOGGER, { resolve: () => logger })
const app = await MedusaApp({
  sharedContainer: container,
  sharedResourcesConfig: { database: { clientUrl: DB_URL, debug: false } },
  injectedDependencies: { [ContainerRegistrationKeys.LOGGER]: logger },
  modulesConfig: {
    // The definition merge MedusaAppLoader.mergeDefaultModules does.
    product: { resolve: "@medusajs/product", definition: { ...ModulesDefinition.product, isQueryable: true } },
    [Modules.LINK]: { initialize: linkInitialize, getMigrationPlanner },
    brand: {
      resolve: path.join(here, "brand"),
      definition: { key: "brand", label: "Brand", isQueryable: true, dependencies: undefined },
    },
  },
  cwd: here,
})

async function seed({ products = 10, brands = 10 }) {
  const productService = app.modules.product
  const tags = await productService.createProductTags(
    Array.from({ length: 3 }, (_, i) => ({ value: `tag-${i}` })),
  )
  const categories = await productService.createProductCategories(
    Array.from({ length: 3 }, (_, i) => ({ name: `Category ${i}`, handle: `category-${i}` })),
  )
  const created = await productService.createProducts(
    Array.from({ length: products }, (_, i) => ({
      title: `Product ${i}`,
      handle: `product-${i}`,
      status: "published",
      options: [{ title: "Size", values: ["M"] }],
      variants: [{ title: `Variant ${i}`, options: { Size: "M" } }],
    })),
  )
  const brandRows = await app.modules.brand.createBrands(
    Array.from({ length: brands }, (_, i) => ({ name: `Brand ${i}` })),
  )
  return {
    products: created.map((p) => p.id),
    variants: created.map((p) => p.variants[0].id),
    tags: tags.map((t) => t.id),
    categories: categories.map((c) => c.id),
    brands: brandRows.map((b) => b.id),
  }
}

async function handle(command) {
  // {"at": epoch milliseconds}: start then, to race a writer in another process.
  if (command.at) await new Promise((resolve) => setTimeout(resolve, Math.max(0, command.at - Date.now())))
  switch (command.op) {
    case "migrate": {
      await app.runMigrations()
      const planner = app.linkMigrationExecutionPlanner()
      const plan = await planner.createPlan()
      await planner.executePlan(plan)
      return plan.map((a) => ({ action: a.action, tableName: a.tableName }))
    }
    case "plan": {
      const plan = await app.linkMigrationExecutionPlanner().createPlan()
      return plan.map((a) => ({ action: a.action, tableName: a.tableName, sql: a.sql ?? null }))
    }
    case "seed":
      return seed(command)
    case "create":
      return app.link.create(command.links)
    case "dismiss":
      return app.link.dismiss(command.links)
    case "delete":
      return app.link.delete(command.input)
    case "restore":
      return app.link.restore(command.input)
    case "concurrently": {
      // Several link.create calls at once (each its own call, as concurrent requests are).
      const settled = await Promise.allSettled(command.creates.map((links) => app.link.create(links)))
      return settled.map((s) => (s.status === "fulfilled" ? { ok: s.value } : { error: String(s.reason?.message ?? s.reason) }))
    }
    case "list":
      return app.link.list(command.links, { asLinkDefinition: true })
    case "graph": {
      const { data } = await app.query.graph({ entity: command.entity, fields: command.fields, filters: command.filters ?? {} })
      return data
    }
    default:
      throw new Error(`unknown op ${JSON.stringify(command.op)}`)
  }
}

// A bigint column reads as a JS BigInt, which JSON.stringify refuses: it is sent as a string.
const answer = (value) =>
  process.stdout.write("@@ " + JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n")
answer({ ok: "ready" })
const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  if (!line.trim()) continue
  try {
    answer({ ok: (await handle(JSON.parse(line))) ?? null })
  } catch (e) {
    answer({ error: String(e?.message ?? e) })
  }
}
await app.onApplicationShutdown()
process.exit(0)
