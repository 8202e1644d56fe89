//! The registry: modules bound to connections and the links between them, checked once at
//! start-up. Every check the compiler cannot do happens in [`LinksBuilder::build`].
//!
//! Example: [the crate's example](crate#example).

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::definition::{LinkDefinition, LinkSpec};
use crate::error::{Error, Result};
use crate::external::{ErasedExternal, ExternalModels};
use crate::linkable::{Linkable, ModelInfo};
use crate::naming::TableNames;
use crate::source::RecordSource;

/// The application's modules and links. Cheap to clone; build it once with [`Links::builder`].
///
/// Example: [the crate's example](crate#example).
#[derive(Clone, Debug)]
pub struct Links {
    inner: Arc<Registry>,
}

#[derive(Debug)]
struct Registry {
    /// Where link tables live, and the connection of every module bound with `module`.
    pub(crate) home: DatabaseConnection,
    pub(crate) modules: BTreeMap<&'static str, ModuleBinding>,
    pub(crate) links: Vec<LinkEntry>,
    pub(crate) by_type: HashMap<TypeId, usize>,
    /// Every model of a registered link (or registered with `model`), by `(module, name)`.
    pub(crate) models: BTreeMap<(&'static str, &'static str), ModelEntry>,
    pub(crate) events: tokio::sync::broadcast::Sender<crate::link_event::LinkEvent>,
    /// Per link: whether its table was seen to have every column and index its declaration
    /// needs (so writes through it may run); checked once, then kept.
    pub(crate) schema_ok: Vec<std::sync::atomic::AtomicBool>,
    /// Whether the home database, on MySQL's backend, is MariaDB: asked once, on the first
    /// create (see [`Links::write_dialect`]).
    pub(crate) mariadb: std::sync::OnceLock<bool>,
    /// The name this application's link tables are owned under (see
    /// [`LinksBuilder::application`]): `None` when not named, owned as `"default"`.
    pub(crate) application: Option<String>,
}

/// Where a module's records live.
#[derive(Debug, Clone)]
pub(crate) enum ModuleBinding {
    /// On the registry's home connection: record checks run on the caller's connection, so they
    /// see records written earlier in the caller's transaction.
    Home,
    /// On a connection of its own.
    Elsewhere(DatabaseConnection),
    /// Served by an external service, not by a database of ours (SPEC §9.6).
    External(Arc<dyn ErasedExternal>),
}

/// A model the registry knows, with the source Query reads its records through.
#[derive(Clone)]
pub(crate) struct ModelEntry {
    pub(crate) info: ModelInfo,
    /// `None` for a model that is not a sea-orm entity (an external model).
    pub(crate) source: Option<Arc<dyn RecordSource>>,
}

impl std::fmt::Debug for ModelEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelEntry")
            .field("model", &self.info.qualified_name())
            .finish_non_exhaustive()
    }
}

/// A registered link with the names derived from its declaration.
#[derive(Debug, Clone)]
pub(crate) struct LinkEntry {
    pub(crate) spec: LinkSpec,
    pub(crate) names: TableNames,
    /// Its place in [`Links::entries`].
    pub(crate) index: usize,
}

impl LinkEntry {
    /// Its table, as the SQL layer's statements see it.
    pub(crate) fn table(&self) -> crate::sql::LinkTable<'_> {
        crate::sql::LinkTable {
            name: &self.names.table,
            spec: &self.spec,
        }
    }
}

impl Links {
    /// Starts a registry whose link tables live on `home`.
    ///
    /// Example: [the crate's example](crate#example).
    pub fn builder(home: DatabaseConnection) -> LinksBuilder {
        LinksBuilder {
            home,
            modules: Vec::new(),
            links: Vec::new(),
            models: Vec::new(),
            application: None,
        }
    }

    /// The connection link tables live on.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn home(&self) -> &DatabaseConnection {
        &self.inner.home
    }

    /// The name of the link table of `L` (Medusa's name unless `table = "…"` was given).
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn table_name<L: LinkDefinition>(&self) -> Result<&str> {
        Ok(&self.entry::<L>()?.names.table)
    }

    pub(crate) fn entry<L: LinkDefinition>(&self) -> Result<&LinkEntry> {
        self.inner
            .by_type
            .get(&TypeId::of::<L>())
            .map(|&i| &self.inner.links[i])
            .ok_or_else(|| Error::UnknownLink {
                message: format!(
                    "link {} is not registered: add `.link::<{}>()` to `Links::builder(…)`",
                    L::SPEC.display_name(),
                    L::SPEC.name
                ),
            })
    }

    pub(crate) fn binding(&self, module: &str) -> Option<&ModuleBinding> {
        self.inner.modules.get(module)
    }

    /// Every registered link, in registration order.
    ///
    /// Example: [more of the service](crate#more-of-the-service).
    pub fn specs(&self) -> impl Iterator<Item = &LinkSpec> {
        self.inner.links.iter().map(|entry| &entry.spec)
    }
}

/// What the services read of the registry: they ask, rather than reach into its fields.
impl Links {
    /// Every registered link, in registration order (a link's `index` is its place here).
    pub(crate) fn entries(&self) -> &[LinkEntry] {
        &self.inner.links
    }

    /// The registered links that keep rows of their own (not read-only), in registration order.
    pub(crate) fn stored_entries(&self) -> impl Iterator<Item = &LinkEntry> {
        self.entries().iter().filter(|entry| !entry.spec.read_only)
    }

    /// The registered link named `name` (its `define_link!` name).
    pub(crate) fn entry_named(&self, name: &str) -> Option<&LinkEntry> {
        self.entries().iter().find(|entry| entry.spec.name == name)
    }

    /// Every model the registry knows, ordered by module and name.
    pub(crate) fn models(&self) -> impl Iterator<Item = &ModelEntry> + Clone {
        self.inner.models.values()
    }

    /// Where Query reads `model`'s records from (`None`: not registered, or not readable).
    pub(crate) fn source_of(&self, model: &ModelInfo) -> Option<&dyn RecordSource> {
        self.inner
            .models
            .get(&(model.module, model.name))
            .and_then(|entry| entry.source.as_deref())
    }

    /// Whether some module's records live on a connection of their own.
    pub(crate) fn has_modules_elsewhere(&self) -> bool {
        self.inner
            .modules
            .values()
            .any(|binding| matches!(binding, ModuleBinding::Elsewhere(_)))
    }

    /// The name this application's link tables are owned under, if one was given.
    pub(crate) fn application(&self) -> Option<&str> {
        self.inner.application.as_deref()
    }

    /// Where link events are sent.
    pub(crate) fn events(&self) -> &tokio::sync::broadcast::Sender<crate::link_event::LinkEvent> {
        &self.inner.events
    }

    /// Whether `entry`'s table was seen to have what its declaration needs.
    pub(crate) fn schema_ok(&self, entry: &LinkEntry) -> bool {
        self.inner.schema_ok[entry.index].load(std::sync::atomic::Ordering::Acquire)
    }

    /// Records whether `entry`'s table has what its declaration needs.
    pub(crate) fn set_schema_ok(&self, entry: &LinkEntry, ok: bool) {
        self.inner.schema_ok[entry.index].store(ok, std::sync::atomic::Ordering::Release);
    }

    /// The dialect a create writes with on `conn`: on MySQL's backend, [`crate::sql::MARIADB`]
    /// when the server is MariaDB (whose inserts return their rows), asked of the server once
    /// per registry (link tables live in one home database: a registry handed connections to
    /// both servers keeps the first one's answer, and on MySQL a create it took for MariaDB
    /// fails on `RETURNING` rather than writing anything).
    pub(crate) async fn write_dialect(
        &self,
        conn: &impl sea_orm::ConnectionTrait,
    ) -> crate::error::Result<&'static crate::sql::Dialect> {
        let dialect = crate::sql::Dialect::of(conn);
        if conn.get_database_backend() != sea_orm::DbBackend::MySql {
            return Ok(dialect);
        }
        let mariadb = match self.inner.mariadb.get() {
            Some(mariadb) => *mariadb,
            None => {
                let mariadb = crate::sql::catalogue::is_mariadb(conn).await?;
                *self.inner.mariadb.get_or_init(|| mariadb)
            }
        };
        Ok(if mariadb {
            &crate::sql::MARIADB
        } else {
            dialect
        })
    }
}

/// Collects modules and links; [`build`](LinksBuilder::build) checks them together.
///
/// Example: [the crate's example](crate#example).
#[derive(Debug)]
pub struct LinksBuilder {
    home: DatabaseConnection,
    modules: Vec<(&'static str, ModuleBinding)>,
    links: Vec<(TypeId, LinkSpec)>,
    models: Vec<ModelEntry>,
    application: Option<String>,
}

/// The name a registry that does not set one owns its link tables under.
///
/// Example: [declarations and reports](crate#declarations-and-reports).
pub const DEFAULT_APPLICATION: &str = "default";

/// Table names a link may not take: this library's and Medusa's bookkeeping.
const RESERVED_TABLES: [&str; 3] = [
    "link_table_owners",
    "link_module_migrations",
    crate::sql::DELETIONS_TABLE,
];

impl LinksBuilder {
    /// Binds `module` to the home connection.
    ///
    /// Example: [the crate's example](crate#example).
    pub fn module(mut self, module: &'static str) -> Self {
        self.modules.push((module, ModuleBinding::Home));
        self
    }

    /// Binds `module` to a connection of its own (another pool or another database).
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn module_on(mut self, module: &'static str, connection: DatabaseConnection) -> Self {
        self.modules
            .push((module, ModuleBinding::Elsewhere(connection)));
        self
    }

    /// Binds `module` to an external service that serves its models' records (SPEC §9.6):
    /// Query calls it once per hop with every id it needs.
    ///
    /// Example: [`ExternalModels`].
    pub fn external(mut self, module: &'static str, service: impl ExternalModels) -> Self {
        self.modules
            .push((module, ModuleBinding::External(Arc::new(service))));
        self
    }

    /// Registers the link `L` (and its two models, for Query). Registering the same link twice
    /// is harmless.
    ///
    /// Example: [the crate's example](crate#example).
    pub fn link<L: LinkDefinition>(mut self) -> Self {
        let id = TypeId::of::<L>();
        if !self.links.iter().any(|(seen, _)| *seen == id) {
            self.links.push((id, L::SPEC));
            self = self.model::<L::Left>().model::<L::Right>();
        }
        self
    }

    /// Names this application as the owner of the link tables its migrations create or adopt:
    /// 1 to 64 ASCII letters, digits, `_`, `-` or `.`, distinct per application sharing the
    /// database. Migrations drop or rename only tables their application created and nobody
    /// else uses, and only when it is named (an unnamed registry owns its tables as
    /// `"default"`, a name two applications could share, so its plans never drop or rename);
    /// tables a Medusa backend or another application uses are listed as foreign and left
    /// alone.
    ///
    /// Example: [the service example](crate#service-example).
    pub fn application(mut self, name: impl Into<String>) -> Self {
        self.application = Some(name.into());
        self
    }

    /// Makes the model `M` queryable as a graph root even if no registered link uses it.
    ///
    /// Example: [declarations and reports](crate#declarations-and-reports).
    pub fn model<M: Linkable>(mut self) -> Self {
        self.models.push(ModelEntry {
            info: M::MODEL,
            source: M::__record_source(),
        });
        self
    }

    /// Checks the declarations together and returns the registry, or an error naming every
    /// problem found, the definitions involved and the fix.
    ///
    /// Example: [the crate's example](crate#example).
    pub fn build(self) -> Result<Links> {
        let mut problems = Vec::new();

        let mut modules = BTreeMap::new();
        for (name, binding) in self.modules {
            if modules.insert(name, binding).is_some() {
                problems.push(format!(
                    "module `{name}` is bound twice: bind each module once, with `.module(\"{name}\")` or `.module_on(\"{name}\", connection)`"
                ));
            }
        }

        let entries: Vec<LinkEntry> = self
            .links
            .iter()
            .enumerate()
            .map(|(index, (_, spec))| LinkEntry {
                spec: *spec,
                names: TableNames::of(spec),
                index,
            })
            .collect();

        for entry in &entries {
            let spec = &entry.spec;
            for model in [&spec.left.model, &spec.right.model] {
                let module = model.module;
                // A model without a table of ours is served by an external module's service.
                let external = model.table.is_none();
                match modules.get(module) {
                    None if external => problems.push(format!(
                        "link {} (defined at {}) uses module `{module}`, which is not bound: its models have no table of ours, so add `.external(\"{module}\", service)` (a service listing its records for Query) to the builder, or `.module(\"{module}\")` if Query never reads them",
                        spec.display_name(),
                        spec.defined_at
                    )),
                    None => problems.push(format!(
                        "link {} (defined at {}) uses module `{module}`, which is not bound: add `.module(\"{module}\")` or `.module_on(\"{module}\", connection)` to the builder",
                        spec.display_name(),
                        spec.defined_at
                    )),
                    Some(_) => {}
                }
            }
            if !spec.read_only && spec.left.column == spec.right.column {
                let fix = if spec.is_self_link() {
                    // A link from a model to itself names its key columns from the aliases.
                    format!(
                        "give its two sides different aliases (`{} [alias = \"related\"] => {} [alias = \"related_to\"]`); the key columns are named from them",
                        spec.left.model.rust_type, spec.right.model.rust_type
                    )
                } else {
                    "give one model a different key with `#[linkable(key = \"…\")]`".to_string()
                };
                problems.push(format!(
                    "link {} (defined at {}) would store both sides in the column `{}`: {fix}",
                    spec.display_name(),
                    spec.defined_at,
                    spec.left.column
                ));
            }
        }

        for (i, a) in entries.iter().enumerate() {
            for b in &entries[i + 1..] {
                let (sa, sb) = (&a.spec, &b.spec);
                if sa.name == sb.name {
                    problems.push(format!(
                        "two links are named {} (defined at {} and at {}): a link's name picks it in JSON (`\"link\": \"{}\"`), events and errors, so rename one of them",
                        sa.name, sa.defined_at, sb.defined_at, sa.name
                    ));
                }
                if !sa.read_only && !sb.read_only && a.names.table == b.names.table {
                    problems.push(format!(
                        "links {} (defined at {}) and {} (defined at {}) both use the table `{}`: give one of them `table = \"…\"`",
                        sa.display_name(),
                        sa.defined_at,
                        sb.display_name(),
                        sb.defined_at,
                        a.names.table
                    ));
                }
                if !sa.read_only
                    && !sb.read_only
                    && sa.joins_same_models(sb)
                    && !sa.aliases_differ(sb)
                {
                    problems.push(format!(
                        "links {} (defined at {}) and {} (defined at {}) join the same models with the same aliases (`{}`, `{}`): give a side of one of them `alias = \"…\"` so Query can tell them apart",
                        sa.display_name(),
                        sa.defined_at,
                        sb.display_name(),
                        sb.defined_at,
                        sa.left.alias(),
                        sa.right.alias()
                    ));
                }
            }
        }

        for entry in &entries {
            problems.extend(crate::extra_default::problems(&entry.spec));
        }
        problems.extend(crate::hops::property_clashes(
            entries.iter().map(|entry| &entry.spec),
        ));

        if let Some(name) = &self.application {
            let valid = (1..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
            if !valid {
                problems.push(format!(
                    "the application name `{}` is not usable: give `.application(…)` 1 to 64 ASCII letters, digits, `_`, `-` or `.`",
                    crate::input::shown(name)
                ));
            } else if name == DEFAULT_APPLICATION {
                problems.push(format!(
                    "the application name `{DEFAULT_APPLICATION}` is what unnamed registries own their tables as: give `.application(…)` a name of this application's own"
                ));
            }
        }
        // Each stored link's table is an entity Query reads by its entry point: one name, one
        // table, and no module of models may take the module they are registered under.
        if modules.contains_key(crate::hops::LINK_MODULE) {
            problems.push(format!(
                "module `{0}` is where Query keeps the link tables' entry points (`{0}.product_brand`): give the module another name",
                crate::hops::LINK_MODULE
            ));
        }
        let mut entry_points: BTreeMap<String, &LinkEntry> = BTreeMap::new();
        for entry in entries.iter().filter(|e| !e.spec.read_only) {
            let name = entry.spec.entry_point();
            if let Some(first) = entry_points.insert(name.clone(), entry) {
                if first.spec.joins_same_models(&entry.spec)
                    && !first.spec.aliases_differ(&entry.spec)
                {
                    // Already reported as two links with the same aliases.
                    continue;
                }
                problems.push(format!(
                    "links {} (defined at {}) and {} (defined at {}) have the same entry point `{name}` (their sides' aliases joined): give a side of one of them `alias = \"…\"`",
                    first.spec.display_name(),
                    first.spec.defined_at,
                    entry.spec.display_name(),
                    entry.spec.defined_at
                ));
            }
        }
        for entry in &entries {
            // Case aside: SQLite's and some MySQL servers' table names ignore it.
            if RESERVED_TABLES
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&entry.names.table))
            {
                problems.push(format!(
                    "link {} uses the table `{}`, which this library or Medusa keeps its records in: give it another `table = \"…\"`",
                    entry.spec.display_name(),
                    entry.names.table
                ));
            }
        }

        if !problems.is_empty() {
            return Err(Error::Definition {
                message: problems.join("\n"),
            });
        }

        // Each stored link's table is an entity Query can start from (`link.product_brand`).
        let entry_points = entries
            .iter()
            .filter(|e| !e.spec.read_only)
            .map(|e| ModelEntry {
                info: crate::hops::entry_point_model(&e.spec, &e.names.table),
                source: Some(Arc::new(crate::sql::LinkRowSource { spec: e.spec })),
            });
        let models = self
            .models
            .into_iter()
            .chain(entry_points)
            .map(|entry| ((entry.info.module, entry.info.name), entry))
            .collect();
        let by_type = self
            .links
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        Ok(Links {
            inner: Arc::new(Registry {
                home: self.home,
                modules,
                links: entries,
                by_type,
                models,
                events: tokio::sync::broadcast::channel(crate::link_event::CHANNEL_CAPACITY).0,
                schema_ok: self
                    .links
                    .iter()
                    .map(|_| std::sync::atomic::AtomicBool::new(false))
                    .collect(),
                mariadb: std::sync::OnceLock::new(),
                application: self.application,
            }),
        })
    }
}
