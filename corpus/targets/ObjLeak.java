// ObjLeak: a Java heap with known object counts, for classify --objects.
//   java corpus/targets/ObjLeak.java [CTX [MSG [churn]]]     (JDK 11+)
// Keeps CTX (default 100000) instances of Ctx in a HashMap (the t-io
// leak's shape: one map of connection contexts sharing one interned
// String), and MSG (default 50000) instances of Msg, each holding its own
// String, in a queue (the unsent-messages leak). One Holder owns both.
// Then collects the garbage of its start (System.gc()), prints the
// readiness line "ready pid=N ctx=CTX msg=MSG" (see target.h), closes
// stdout and sleeps until killed: a quiescent heap, whose Ctx, Msg and
// Holder counts are exact. With "churn", a thread ("churn") then
// allocates short-lived objects (Garbage, String, byte[]) without end:
// a busy heap, young collections every few milliseconds, the long-lived
// classes still exact. Each SIGUSR2 leaks CTX/10 more Ctx into the map.
import java.util.ArrayDeque;
import java.util.HashMap;

public class ObjLeak {
    static Holder holder;

    public static void main(String[] args) throws Exception {
        int nctx = args.length > 0 ? Integer.parseInt(args[0]) : 100000;
        int nmsg = args.length > 1 ? Integer.parseInt(args[1]) : 50000;
        Holder h = new Holder();
        String unknown = "$UNKNOWN".intern();
        for (int i = 0; i < nctx; i++)
            h.ips.put(i, new Ctx(i, unknown));
        for (int i = 0; i < nmsg; i++)
            h.unsent.add(new Msg("message number " + i));
        holder = h;
        next = nctx;
        sun.misc.Signal.handle(new sun.misc.Signal("USR2"),
                sig -> leak(nctx / 10));
        System.gc();
        if (args.length > 2 && args[2].equals("churn")) {
            Thread t = new Thread(ObjLeak::churn, "churn");
            t.setDaemon(true);
            t.start();
        }
        System.out.println("ready pid=" + ProcessHandle.current().pid()
                + " ctx=" + nctx + " msg=" + nmsg);
        System.out.flush();
        System.out.close();
        Thread.sleep(Long.MAX_VALUE);
    }

    static int next;

    static synchronized void leak(int n) {
        String unknown = "$UNKNOWN".intern();
        for (int i = 0; i < n; i++, next++)
            holder.ips.put(next, new Ctx(next, unknown));
    }

    static volatile Object sink;

    static void churn() {
        for (long i = 0;; i++) {
            Garbage g = new Garbage(new byte[(int) (i % 512)], "g" + i);
            sink = g;
        }
    }
}

class Ctx {
    final int id;
    final String ip;
    final long[] stats = new long[4];

    Ctx(int id, String ip) {
        this.id = id;
        this.ip = ip;
    }
}

class Msg {
    final String body;

    Msg(String body) {
        this.body = body;
    }
}

class Holder {
    final HashMap<Integer, Ctx> ips = new HashMap<>();
    final ArrayDeque<Msg> unsent = new ArrayDeque<>();
}

class Garbage {
    final byte[] data;
    final String name;

    Garbage(byte[] data, String name) {
        this.data = data;
        this.name = name;
    }
}
