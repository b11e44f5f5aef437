#!/bin/bash
# classify --holders on a G1 JVM (the default collector), compressed oops
# on: the chains of ObjLeak's Ctx and Msg to ObjLeak.holder, no attach.
. "$TOP/tests/e2e/lib.sh"
. "$TOP/tests/e2e/objlib.sh"
. "$TOP/tests/e2e/holderslib.sh"

holders_live -XX:+UseG1GC -XX:+UseCompressedOops
