//! Starting the application: the database (and each module's table), the link tables, the
//! demo data, the CMS service and the HTTP server.

use std::net::SocketAddr;

use link_runtime::Links;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Schema};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::modules::cms::client::CmsClient;
use crate::modules::{blog, brand, cart, customer, product, review, sales_channel, wishlist};
use crate::routes::{AppState, router};

/// Any error of start-up.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where and how to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…?mode=rwc` or `postgres://…`.
    pub database_url: String,
    /// The storefront's port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// The CMS service's port on 127.0.0.1 (0: any free port).
    pub cms_port: u16,
    /// The token the `/admin` routes need (`None`: open, on 127.0.0.1).
    pub admin_token: Option<String>,
}

/// The embedded SQLite database in `examples/storefront/data/`, created on first start.
pub fn default_database_url() -> Result<String, BoxError> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    std::fs::create_dir_all(&dir)?;
    Ok(format!(
        "sqlite://{}?mode=rwc",
        dir.join("storefront.db").display()
    ))
}

/// The running application.
#[derive(Debug)]
pub struct Running {
    /// Where the storefront listens.
    pub addr: SocketAddr,
    /// Where the CMS service listens.
    pub cms_addr: SocketAddr,
    /// The registry.
    pub links: Links,
    /// The database.
    pub db: DatabaseConnection,
    /// Whether this start wrote the demo data (the first start on a database).
    pub seeded: bool,
    /// The HTTP server; it runs until the process ends.
    pub server: JoinHandle<std::io::Result<()>>,
}

/// Creates each module's table if missing: the modules' own migrations, which a real
/// application runs with its migrator.
pub async fn create_module_tables(db: &DatabaseConnection) -> Result<(), BoxError> {
    let schema = Schema::new(db.get_database_backend());
    macro_rules! create {
        ($($entity:path),*) => {$(
            db.execute(schema.create_table_from_entity($entity).if_not_exists()).await?;
        )*};
    }
    create!(
        product::Entity,
        brand::Entity,
        customer::Entity,
        wishlist::Entity,
        blog::Entity,
        review::Entity,
        cart::Entity,
        sales_channel::Entity
    );
    Ok(())
}

/// The registry, on `db`, with the CMS service at `cms_url`.
pub fn registry(db: DatabaseConnection, cms_url: &str) -> Result<Links, BoxError> {
    Ok(crate::links::registry(db, CmsClient::new(cms_url))?)
}

/// Connects, migrates, seeds once, and serves the CMS service and the storefront.
pub async fn start(config: &Config) -> Result<Running, BoxError> {
    if let Some(token) = &config.admin_token
        && !token
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\'))
    {
        // The sign-in form keeps it in a cookie.
        return Err("the admin token must be visible ASCII without spaces, quotes, commas, semicolons or backslashes: pick another with --admin-token".into());
    }
    let cms = listen(
        config.cms_port,
        "the CMS service",
        "--cms-port (or leave it out for a free one)",
    )
    .await?;
    let cms_addr = cms.local_addr()?;
    tokio::spawn(async move { axum::serve(cms, crate::modules::cms::server::router()).await });

    let db = Database::connect(&config.database_url).await?;
    create_module_tables(&db).await?;
    let links = registry(db.clone(), &format!("http://{cms_addr}"))?;
    links.migrate().await?;
    let seeded = crate::seed::seed(&db, &links).await?;

    let listener = listen(config.port, "the storefront", "--port").await?;
    let addr = listener.local_addr()?;
    let app = router(AppState {
        links: links.clone(),
        db: db.clone(),
        admin_token: config
            .admin_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(crate::routes::AdminToken::new),
    });
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Running {
        addr,
        cms_addr,
        links,
        db,
        seeded,
        server,
    })
}

/// A listener on 127.0.0.1:`port` for `what`; a failure names the address and the `flag` that
/// picks another port (the OS's own error says neither).
async fn listen(port: u16, what: &str, flag: &str) -> Result<TcpListener, BoxError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpListener::bind(addr).await.map_err(|e| {
        format!("cannot serve {what} on {addr}: {e}; pick another port with {flag}").into()
    })
}
