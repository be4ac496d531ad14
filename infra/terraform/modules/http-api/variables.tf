variable "name" {
  description = "Name of the HTTP API (also names its access log group /aws/apigateway/<name>)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of letters, digits, '-' or '_'."
  }
}

variable "auth_mode" {
  description = "How callers authenticate: \"jwt\" (HTTP API + JWT authorizer), \"iam\" (HTTP API + SigV4 on every route) or \"function_url_iam\" (Lambda function URL with AWS_IAM, no API Gateway). There is no unauthenticated mode."
  type        = string
  default     = "jwt"

  validation {
    condition     = contains(["jwt", "iam", "function_url_iam"], var.auth_mode)
    error_message = "auth_mode must be one of \"jwt\", \"iam\" or \"function_url_iam\"; unauthenticated endpoints (\"none\") are not offered."
  }
}

variable "function_name" {
  description = "Name of the Lambda function behind the endpoint."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be a Lambda function name (not an ARN)."
  }
}

variable "function_alias_name" {
  description = "Alias the endpoint invokes (the inference-function module's live alias)."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.function_alias_name)) && var.function_alias_name != "$LATEST"
    error_message = "function_alias_name must be an alias name, not $LATEST."
  }
}

variable "function_alias_arn" {
  description = "ARN of that alias (arn:aws:lambda:<region>:<account>:function:<name>:<alias>), the integration target."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$", var.function_alias_arn))
    error_message = "function_alias_arn must be a qualified Lambda ARN ending in :<alias>."
  }
}

variable "jwt_issuer" {
  description = "Issuer URL of the JWT authorizer (auth_mode = \"jwt\"), e.g. https://cognito-idp.<region>.amazonaws.com/<pool-id>."
  type        = string
  default     = null

  validation {
    condition     = var.jwt_issuer == null || can(regex("^https://[^\\s]+$", var.jwt_issuer))
    error_message = "jwt_issuer must be an https:// URL."
  }
}

variable "jwt_audience" {
  description = "Accepted audiences (aud claim / Cognito client ids) of the JWT authorizer."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.jwt_audience : length(trimspace(a)) > 0])
    error_message = "jwt_audience entries must not be empty."
  }
}

variable "jwt_authorization_scopes" {
  description = "OAuth scopes a token must carry on every JWT-protected route (empty = any valid token)."
  type        = list(string)
  default     = []
}

variable "routes" {
  description = "Route keys (\"METHOD /path\") proxied to the function. Every route is authorized unless listed in public_routes."
  type        = list(string)
  default = [
    "POST /predict",
    "POST /v2/models/{name}/infer",
    "GET /v2/models/{name}",
    "GET /v2/health/ready",
    "GET /v2/health/live",
  ]

  validation {
    condition     = length(var.routes) > 0 && alltrue([for r in var.routes : can(regex("^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /[A-Za-z0-9._~{}/+-]*$", r))])
    error_message = "routes must be non-empty and every entry a route key \"METHOD /path\" (no $default catch-all)."
  }
}

variable "public_routes" {
  description = "Routes left without authorization. Only GET /v2/health/... probes may be listed; default none (every route authorized)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.public_routes : can(regex("^GET /v2/health/[A-Za-z0-9_-]+$", r))])
    error_message = "public_routes may only hold health probes (GET /v2/health/<probe>); every other route must be authorized."
  }
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst limit (requests)."
  type        = number
  default     = 200

  validation {
    condition     = var.throttling_burst_limit >= 1 && var.throttling_burst_limit <= 5000
    error_message = "throttling_burst_limit must be between 1 and 5000."
  }
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state rate limit (requests per second)."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_rate_limit >= 1 && var.throttling_rate_limit <= 10000
    error_message = "throttling_rate_limit must be between 1 and 10000 requests per second."
  }
}

variable "access_log_retention_days" {
  description = "Retention of the access log group in days (a CloudWatch Logs allowed value; 0 = never expire)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.access_log_retention_days)
    error_message = "access_log_retention_days must be one of CloudWatch Logs' values: 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "integration_timeout_milliseconds" {
  description = "API Gateway's wait for the function (50-30000 ms)."
  type        = number
  default     = 29000

  validation {
    condition     = var.integration_timeout_milliseconds >= 50 && var.integration_timeout_milliseconds <= 30000
    error_message = "integration_timeout_milliseconds must be between 50 and 30000."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
