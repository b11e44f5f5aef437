// EvilName: a JVM that loads a class whose name holds terminal control
// sequences (ESC c: reset the terminal, BEL, the C1 CSI U+009B then "2J":
// clear the screen), as any class loader may: the JVM refuses only '.',
// ';', '[' and misplaced '/' in a class name. The class has no method and
// no instance. Then the readiness line (target.h) and
// sleep until killed.
//   java corpus/targets/EvilName.java
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;

public class EvilName {
    static final String NAME = "Evil\u001bc\u0007\u009b2JX";

    // A class file: NAME extends java.lang.Object, nothing else.
    static byte[] classBytes() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(0xCAFEBABE);
        d.writeShort(0);
        d.writeShort(52);
        d.writeShort(5);		// constant pool: 4 entries
        d.writeByte(1);
        d.writeUTF(NAME);		// #1 (modified UTF-8)
        d.writeByte(7);
        d.writeShort(1);		// #2 Class #1
        d.writeByte(1);
        d.writeUTF("java/lang/Object");	// #3
        d.writeByte(7);
        d.writeShort(3);		// #4 Class #3
        d.writeShort(0x21);		// public super
        d.writeShort(2);
        d.writeShort(4);
        d.writeShort(0);		// interfaces
        d.writeShort(0);		// fields
        d.writeShort(0);		// methods
        d.writeShort(0);		// attributes
        d.flush();
        return b.toByteArray();
    }

    static class Loader extends ClassLoader {
        Class<?> define(byte[] b) {
            return defineClass(NAME, b, 0, b.length);
        }
    }

    public static void main(String[] args) throws Exception {
        Class<?> c = new Loader().define(classBytes());
        System.out.println("ready pid=" + ProcessHandle.current().pid()
                + " threads=" + Thread.activeCount() + " class="
                + c.getName().length());
        System.out.flush();
        System.out.close();
        Thread.sleep(Long.MAX_VALUE);
        System.out.println(c);
    }
}
