//! The admin routes' guard: with an admin token configured (`--admin-token`, or
//! `STOREFRONT_ADMIN_TOKEN`), every `/admin` route, JSON or HTML, needs it, as
//! `Authorization: Bearer <token>` or as the cookie the sign-in form sets; without one they are
//! open, and the server listens on 127.0.0.1 only.

use axum::Form;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::AppState;
use super::html::page;

const COOKIE: &str = "storefront_admin";

/// Whether `given` is `expected`, comparing every byte whatever the first difference (no
/// early exit a caller could time).
fn same(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The token a request carries: its bearer token, else its sign-in cookie.
fn carried(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(&format!("{COOKIE}=")))
    })
}

/// Lets the request through when no token is configured or it carries the token; otherwise a
/// 401 that says how to send it (JSON for the JSON routes, a page with the sign-in form for
/// the pages).
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(refused) = cross_site_write(&request) {
        return refused;
    }
    let Some(expected) = state.admin_token.as_ref().map(|t| t.as_str()) else {
        return next.run(request).await;
    };
    if carried(request.headers()).is_some_and(|given| same(given, expected)) {
        return next.run(request).await;
    }
    let message = "this admin route needs the admin token: send `Authorization: Bearer <token>`, or sign in at /admin/sign-in";
    let wants_json =
        request.uri().path() != "/admin" && !request.uri().path().starts_with("/admin/forms");
    let mut response = if wants_json {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"type": "unauthorized", "message": message})),
        )
            .into_response()
    } else {
        (StatusCode::UNAUTHORIZED, Html(sign_in_page(Some(message)))).into_response()
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// A 403 for a write a browser sends from another site (a form on any page can post to
/// 127.0.0.1): its `Sec-Fetch-Site` says so, or its `Origin` is not this server. A client that
/// sends neither (curl, a script) is not a browser acting for another site.
fn cross_site_write(request: &Request) -> Option<Response> {
    let method = request.method();
    if method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        return None;
    }
    let headers = request.headers();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let site = text(header::HeaderName::from_static("sec-fetch-site"));
    let cross_site = site.is_some_and(|site| site != "same-origin" && site != "none");
    let foreign_origin = match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        (Some(_), None) => true,
        _ => false,
    };
    (cross_site || foreign_origin).then(|| {
        (
            StatusCode::FORBIDDEN,
            "a write to the admin routes from another site is refused; send it from this site's own pages",
        )
            .into_response()
    })
}

fn sign_in_page(message: Option<&str>) -> String {
    let banner = message.map_or(String::new(), |m| {
        format!(
            "<p id=\"error\" role=\"alert\">{}</p>",
            super::html::escape(m)
        )
    });
    page(
        "Sign in",
        &format!(
            "<h1>Admin sign-in</h1>{banner}<form method=\"post\" action=\"/admin/sign-in\">\
             <label>Admin token <input name=\"token\" type=\"password\"></label> \
             <button>Sign in</button></form>"
        ),
    )
}

/// `GET /admin/sign-in`.
pub async fn sign_in_form() -> Html<String> {
    Html(sign_in_page(None))
}

/// The sign-in form's field.
#[derive(Debug, Deserialize)]
pub struct SignIn {
    token: String,
}

/// `POST /admin/sign-in`: with the right token, a cookie holding it (for this site's pages
/// only, not readable by scripts) and the admin page; otherwise the form again, with a 401.
pub async fn sign_in(State(state): State<AppState>, Form(form): Form<SignIn>) -> Response {
    match state.admin_token.as_ref().map(|t| t.as_str()) {
        Some(expected) if same(&form.token, expected) => {
            let cookie = format!(
                "{COOKIE}={}; Path=/admin; HttpOnly; SameSite=Strict",
                form.token
            );
            let mut response = Redirect::to("/admin").into_response();
            if let Ok(value) = header::HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            Html(sign_in_page(Some("That is not the admin token."))),
        )
            .into_response(),
        None => Redirect::to("/admin").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::{carried, same};
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn writes_from_another_site_are_refused() {
        use super::cross_site_write;
        use axum::body::Body;
        use axum::http::Request;
        let request = |method: &str, headers: &[(&str, &str)]| {
            let mut builder = Request::builder().method(method).uri("/admin/forms/delete");
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            builder.body(Body::empty()).expect("a request")
        };
        let host = ("host", "127.0.0.1:9000");
        assert!(
            cross_site_write(&request("POST", &[host])).is_none(),
            "curl"
        );
        assert!(
            cross_site_write(&request(
                "POST",
                &[
                    host,
                    ("origin", "http://127.0.0.1:9000"),
                    ("sec-fetch-site", "same-origin")
                ]
            ))
            .is_none(),
            "this site's own form"
        );
        assert!(
            cross_site_write(&request(
                "POST",
                &[host, ("origin", "https://evil.example")]
            ))
            .is_some()
        );
        assert!(
            cross_site_write(&request("POST", &[host, ("sec-fetch-site", "cross-site")])).is_some()
        );
        assert!(
            cross_site_write(&request("GET", &[host, ("sec-fetch-site", "cross-site")])).is_none(),
            "reads are not writes"
        );
    }

    #[test]
    fn tokens_are_read_from_the_header_or_the_cookie_and_compared_whole() {
        assert!(same("s3cret", "s3cret"));
        assert!(!same("s3cre", "s3cret") && !same("s3creT", "s3cret"));
        let mut headers = HeaderMap::new();
        assert_eq!(carried(&headers), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; storefront_admin=tok"),
        );
        assert_eq!(carried(&headers), Some("tok"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer other"),
        );
        assert_eq!(carried(&headers), Some("other"));
    }
}
