export {
  BACKEND_ENV_VAR,
  BACKEND_NAMES,
  type BackendAttempt,
  BackendError,
  type BackendName,
  type BackendReport,
  backendReport,
  type InitBackendOptions,
  initBackend,
  parseBackendName,
} from "./backend.js";
