# A rule whose longest literal, at the start of the message, has 3 bytes:
# the probes step by one byte, and a bare line that begins with it is
# found by the newline before it.
-	ssh	fail	-	ab %u %a
