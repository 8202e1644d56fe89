//! `storefront`: serves the storefront, or runs the `links` command group.

use clap::Parser;
use link_runtime::cli::LinksCommand;
use storefront::app::{self, BoxError, Config};

/// The storefront example of module links.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// The database (default: embedded SQLite in examples/storefront/data).
    #[arg(long, env = "DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// The storefront's port on 127.0.0.1.
    #[arg(long, default_value_t = 9000)]
    port: u16,
    /// The CMS service's port on 127.0.0.1 (default: a free one; the `links` commands, which
    /// do not serve it, name it to the registry as 9001).
    #[arg(long)]
    cms_port: Option<u16>,
    /// The token every /admin route needs, as `Authorization: Bearer <token>` or through the
    /// sign-in form at /admin/sign-in (default: none; the admin routes are open, on 127.0.0.1).
    #[arg(long, env = "STOREFRONT_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Link tables: plan, migrate, check, graph.
    #[command(subcommand)]
    Links(LinksCommand),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // The message, not `Debug`'s quoted string.
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    // Warnings and errors only (every statement sqlx runs is logged at INFO).
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let database_url = match cli.database_url {
        Some(url) => url,
        None => app::default_database_url()?,
    };
    if let Some(Command::Links(command)) = cli.command {
        let db = sea_orm::Database::connect(&database_url).await?;
        let cms_port = cli.cms_port.unwrap_or(9001);
        let links = app::registry(db, &format!("http://127.0.0.1:{cms_port}"))?;
        command.run(&links).await?;
        return Ok(());
    }
    let running = app::start(&Config {
        database_url: database_url.clone(),
        port: cli.port,
        cms_port: cli.cms_port.unwrap_or(0),
        admin_token: cli.admin_token.clone(),
    })
    .await?;
    println!("storefront on {database_url}");
    if running.seeded {
        println!("wrote the demo data");
    }
    println!("  page:      http://{}/", running.addr);
    println!(
        "  products:  curl 'http://{}/store/products?fields=id,title,brand.name&brand.name=Acme'",
        running.addr
    );
    println!("  admin:     http://{}/admin", running.addr);
    if cli.admin_token.as_deref().is_some_and(|t| !t.is_empty()) {
        println!("             (with the admin token: Authorization: Bearer …, or sign in there)");
    }
    println!("  CMS:       http://{}/pages/list", running.cms_addr);
    running.server.await??;
    Ok(())
}
