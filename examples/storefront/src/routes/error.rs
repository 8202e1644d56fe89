//! Errors as Medusa's API writes them: `{"type": "invalid_data" | "not_found" | "conflict",
//! "message": "…"}` with 400, 404, 409, or 415 for a body that is not sent as JSON. Bad input
//! is never a 500. A failure of ours (the database, the CMS) is a 500 that says only
//! `{"type": "unknown_error", "message": "An unknown error occurred."}`, as Medusa answers: the
//! database's own message goes to the log, never to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    /// 400 `invalid_data`.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_data",
            message: message.into(),
        }
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            kind: "not_found",
            message: message.into(),
        }
    }
}

/// A caller's value as a message quotes it: at most 80 characters, so a hostile megabyte is not
/// sent back.
pub fn quoted(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &value[..cut], value.len()),
        None => format!("{value:?}"),
    }
}

impl ApiError {
    /// 500 `unknown_error`, saying nothing of `error`, which is logged with its sources.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "request failed");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "unknown_error",
            message: "An unknown error occurred.".into(),
        }
    }
}

impl From<link_runtime::Error> for ApiError {
    fn from(error: link_runtime::Error) -> Self {
        if !error.kind().is_caller_error() {
            return ApiError::internal(&error);
        }
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let kind = match status {
            StatusCode::CONFLICT => "conflict",
            StatusCode::NOT_FOUND => "not_found",
            _ => "invalid_data",
        };
        ApiError {
            status,
            kind,
            message: error.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::internal(&error)
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> Self {
        use axum::extract::rejection::JsonRejection as R;
        let mut error = ApiError::invalid(format!(
            "the body is not the JSON this route takes: {}",
            rejection.body_text()
        ));
        if let R::MissingJsonContentType(_) = rejection {
            // 415, as axum says it: the fix is the header, not the body.
            error.status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            error.message = "send the body as JSON, with `Content-Type: application/json`".into();
        }
        error
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::invalid(format!(
            "the query string cannot be read: {}",
            rejection.body_text()
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"type": self.kind, "message": self.message})),
        )
            .into_response()
    }
}

/// An error of a server-rendered page: the same status and message, as a page.
#[derive(Debug)]
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError(error)
    }
}

impl From<link_runtime::Error> for PageError {
    fn from(error: link_runtime::Error) -> Self {
        PageError(error.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let ApiError {
            status, message, ..
        } = self.0;
        let body = format!(
            "<h1>{}</h1><p id=\"error\">{}</p>",
            status.canonical_reason().unwrap_or("Error"),
            super::html::escape(&message)
        );
        (
            status,
            axum::response::Html(super::html::page("Error", &body)),
        )
            .into_response()
    }
}
