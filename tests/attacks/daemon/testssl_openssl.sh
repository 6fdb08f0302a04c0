#!/bin/sh
# The openssl testssl runs (testssl --openssl), unchanged except for one
# race in testssl 3.0.8's session-resumption check on TLS 1.3.
#
# The check saves the session of one connection (s_client -sess_out, stdin
# /dev/null) and resumes it in a second. In TLS 1.3 the server sends its
# session ticket after the handshake, and s_client, at the end of its
# input, may close before the ticket arrives (3 of 6 runs against nginx on
# an idle machine, more under load): no session is saved, the second
# s_client fails to read it, and testssl reports "Connect problem: Ticket
# resumption test not possible" and an exit code that is not 0. The saving
# connection therefore ignores the end of its input and reads until the
# server closes it (the daemon and the stand-ins close an idle connection
# within seconds), bounded by a timeout in case one does not.
case " $* " in
*" s_client "*" -sess_out "*)
	exec timeout "${MEDSEC_TESTSSL_SESSION_SECONDS:-30}" openssl "$@" -ign_eof ;;
esac
exec openssl "$@"
