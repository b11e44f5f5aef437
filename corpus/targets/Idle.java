// Idle: a JVM that allocates a known amount and waits, for live tests.
//   java corpus/targets/Idle.java [MIB]     (single-file launch, JDK 11+)
// Keeps MIB MiB (default 32) of byte arrays reachable, then prints the
// readiness line "ready pid=N threads=T" (see target.h), closes stdout and
// sleeps until killed.
public class Idle {
    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        byte[][] keep = new byte[mib][];
        for (int i = 0; i < mib; i++) {
            keep[i] = new byte[1 << 20];
            java.util.Arrays.fill(keep[i], (byte) 'J');
        }
        System.out.println("ready pid=" + ProcessHandle.current().pid()
                + " threads=" + Thread.activeCount() + " kept=" + keep.length);
        System.out.flush();
        System.out.close();
        Thread.sleep(Long.MAX_VALUE);
    }
}
