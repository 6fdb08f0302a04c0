/*
 * medsec base: the attribute macros every public header uses.
 *
 * libmedsec is built with -fvisibility=hidden. MEDSEC_API marks the
 * functions of the public API, the only symbols libmedsec.so exports
 * (as SODIUM_EXPORT and SQLITE_API do); everything else stays inside the
 * library, however it is named.
 *
 * MEDSEC_MUST_CHECK marks a function whose result is a security decision
 * or an error that must not be lost (a verification, an access check, a
 * login, an audit append): ignoring it is a compile error under -Werror.
 * MEDSEC_NONNULL(...) names the pointer arguments that must not be NULL
 * (1-based); a NULL there is a programming error the caller's compiler
 * reports, and the library still refuses it at run time.
 */
#ifndef MEDSEC_BASE_H
#define MEDSEC_BASE_H

#if defined(__GNUC__) || defined(__clang__)
#define MEDSEC_API __attribute__((visibility("default")))
#define MEDSEC_MUST_CHECK __attribute__((warn_unused_result))
#if defined(MEDSEC_BUILDING_LIBRARY)
/*
 * Inside the library the attribute is off: it would let the compiler drop
 * the run-time NULL checks that still refuse a NULL from a caller who
 * passed one the compiler could not see.
 */
#define MEDSEC_NONNULL(...)
#else
#define MEDSEC_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#endif
#define MEDSEC_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define MEDSEC_API
#define MEDSEC_MUST_CHECK
#define MEDSEC_NONNULL(...)
#define MEDSEC_PRINTF(fmt, first)
#endif

#endif /* MEDSEC_BASE_H */
