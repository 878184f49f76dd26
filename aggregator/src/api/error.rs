//! The one error type of the HTTP API; its JSON body is the kernel's [`ErrorBody`].

use std::time::Duration;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
pub use vigil_service::http::ErrorBody;
use vigil_service::http::HttpError;

use crate::{intake::IntakeError, store::StoreError};

/// An HTTP error: a status, an [`ErrorBody`] and, when rate limited, a `Retry-After` header.
/// Its `error` codes: an [`IntakeError::code`], `body_too_large`, `bad_request`, `not_found`,
/// `unknown_route`, `method_not_allowed` or `internal`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Intake refused the signature (or the API refused it before intake: malformed JSON, rate
    /// limit); the status is [`IntakeError::status`].
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// The request body is over the configured limit: 413.
    #[error("request body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A path or query parameter does not parse: 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// No such resource (a certificate not stored): 404 `not_found`.
    #[error("{0}")]
    NotFound(String),
    /// No such route: 404 `unknown_route`, so that a client with a wrong base URL can tell it
    /// from a missing resource.
    #[error("no such route")]
    UnknownRoute,
    /// The route exists but not for this method: 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Something failed inside the aggregator: 500. The string is for the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// The stable code of this error (also the `result` label of the intake metric).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Intake(e) => e.code(),
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::BadRequest(_) => "bad_request",
            Self::NotFound(_) => "not_found",
            Self::UnknownRoute => "unknown_route",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal(_) => "internal",
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Intake(e) => {
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::UnknownRoute => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The public message: internal detail is replaced by a generic text (and logged).
    fn public_message(&self) -> String {
        match self {
            Self::Intake(IntakeError::Unavailable(detail)) => {
                tracing::warn!(target: "aggregator::api", error = %detail, "intake unavailable");
                "the aggregator cannot take signatures right now; retry later".to_owned()
            }
            Self::Internal(detail) => {
                tracing::error!(target: "aggregator::api", error = %detail, "request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::Internal(e.to_string())
    }
}

/// `Retry-After` in whole seconds, rounded up and at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs();
    if wait.subsec_nanos() > 0 || secs == 0 { secs.saturating_add(1) } else { secs }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        let code = e.code();
        let error = match &e {
            ApiError::Internal(detail) => return HttpError::internal(detail),
            _ => HttpError::new(e.status(), code, e.public_message()),
        };
        match &e {
            ApiError::Intake(IntakeError::RateLimited(wait)) => {
                error.retry_after(retry_after_secs(*wait))
            }
            _ => error,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        HttpError::from(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(20)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2_001)), 3);
    }

    #[test]
    fn internal_detail_is_not_public() {
        let e = ApiError::Internal("password=hunter2".into());
        assert!(!e.public_message().contains("hunter2"));
        let e = ApiError::Intake(IntakeError::Unavailable("db at 10.0.0.1".into()));
        assert!(!e.public_message().contains("10.0.0.1"));
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
