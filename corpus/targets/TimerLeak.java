// TimerLeak: the "one java.util.Timer per request" leak, for live tests.
//   java corpus/targets/TimerLeak.java [PER_REQUEST]    (JDK 11+)
// Every Timer starts a thread ("Timer-N") that lives until the Timer is
// cancelled, and nobody cancels them. A "request" arrives with each
// SIGUSR2: it leaks PER_REQUEST (default 25) more Timers, then prints
// nothing (stdout is closed). Prints the readiness line
// "ready pid=N timers=0" (see target.h) and waits until killed; a test
// counts /proc/PID/task to see the requests served.
import java.util.ArrayList;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;

public class TimerLeak {
    static final List<Timer> leaked = new ArrayList<>();

    static synchronized void request(int n) {
        for (int i = 0; i < n; i++) {
            Timer t = new Timer();           // never cancelled: the leak
            t.schedule(new TimerTask() {
                public void run() { }
            }, 3_600_000L);
            leaked.add(t);
        }
    }

    public static void main(String[] args) throws Exception {
        final int per = args.length > 0 ? Integer.parseInt(args[0]) : 25;
        sun.misc.Signal.handle(new sun.misc.Signal("USR2"), s -> request(per));
        System.out.println("ready pid=" + ProcessHandle.current().pid()
                + " timers=0");
        System.out.flush();
        System.out.close();
        Thread.sleep(Long.MAX_VALUE);
    }
}
