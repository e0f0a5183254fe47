// mtcute warns once per process that its CommonJS build is deprecated; jest loads it as CommonJS.
(globalThis as { _MTCUTE_CJS_DEPRECATION_WARNED?: boolean })._MTCUTE_CJS_DEPRECATION_WARNED = true;
