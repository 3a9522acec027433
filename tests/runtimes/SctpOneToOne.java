// One-to-one SCTP with com.sun.nio.sctp: an echo server and a client in one
// JVM.  Messages on several streams with their PPID, the association's
// notifications (COMM_UP, SHUTDOWN), and a large message read whole (its
// pieces put together when receive returns it in several: isComplete).
// Usage: java SctpOneToOne.java HOST PORT [BIGSIZE]
import com.sun.nio.sctp.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class SctpOneToOne {
    static void log(String s) { System.out.println(s); System.out.flush(); }

    static class Handler extends AbstractNotificationHandler<String> {
        final String who;
        Handler(String who) { this.who = who; }
        @Override public HandlerResult handleNotification(AssociationChangeNotification n, String a) {
            log(who + " assoc-change " + n.event() + " streams out=" + n.association().maxOutboundStreams()
                + " in=" + n.association().maxInboundStreams());
            return HandlerResult.CONTINUE;
        }
        @Override public HandlerResult handleNotification(ShutdownNotification n, String a) {
            log(who + " shutdown-notification");
            return HandlerResult.RETURN;
        }
        @Override public HandlerResult handleNotification(Notification n, String a) {
            log(who + " notification " + n);
            return HandlerResult.CONTINUE;
        }
    }

    static int pieces;

    // Receives one whole message into b (its pieces appended when it comes
    // in several, as isComplete tells); null at the association's end.
    static MessageInfo receiveWhole(SctpChannel ch, ByteBuffer b, Handler h) throws Exception {
        pieces = 0;
        while (true) {
            MessageInfo mi = ch.receive(b, null, h);
            if (mi == null || mi.bytes() == -1) return null;
            if (mi.bytes() == 0 && b.position() == 0) continue; // a notification
            pieces++;
            if (mi.isComplete()) return mi;
        }
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int big = args.length > 2 ? Integer.parseInt(args[2]) : 200000;
        InetSocketAddress addr = new InetSocketAddress(host, port);
        SctpServerChannel ssc = SctpServerChannel.open();
        ssc.bind(addr);
        log("server bound " + ssc.getAllLocalAddresses());
        Thread srv = new Thread(() -> {
            try {
                SctpChannel sc = ssc.accept();
                log("server accepted from " + sc.getRemoteAddresses() + " assoc " + sc.association().associationID());
                ByteBuffer buf = ByteBuffer.allocateDirect(big + 1000);
                Handler h = new Handler("server");
                while (true) {
                    buf.clear();
                    MessageInfo mi = receiveWhole(sc, buf, h);
                    if (mi == null) { log("server end of association"); break; }
                    buf.flip();
                    log("server got " + buf.remaining() + " bytes stream " + mi.streamNumber() + " ppid "
                        + mi.payloadProtocolID() + " complete " + mi.isComplete() + " in " + pieces + " receive"
                        + (pieces > 1 ? "s" : ""));
                    MessageInfo out = MessageInfo.createOutgoing(null, mi.streamNumber());
                    out.payloadProtocolID(mi.payloadProtocolID() + 1000);
                    sc.send(buf, out);
                }
                sc.close();
            } catch (Exception e) { e.printStackTrace(); System.exit(2); }
        });
        srv.start();

        SctpChannel c = SctpChannel.open(addr, 5, 5);
        log("client connected to " + c.getRemoteAddresses() + " local " + c.getAllLocalAddresses());
        Association as = c.association();
        log("client association id " + as.associationID() + " out " + as.maxOutboundStreams() + " in " + as.maxInboundStreams());
        Handler h = new Handler("client");
        ByteBuffer rb = ByteBuffer.allocateDirect(big + 1000);
        for (int s = 0; s < 4; s++) {
            String m = "hello on stream " + s;
            MessageInfo mi = MessageInfo.createOutgoing(null, s);
            mi.payloadProtocolID(2000 + s);
            c.send(ByteBuffer.wrap(m.getBytes(StandardCharsets.UTF_8)), mi);
            rb.clear();
            MessageInfo r = receiveWhole(c, rb, h);
            rb.flip();
            String got = StandardCharsets.UTF_8.decode(rb).toString();
            log("client echo '" + got + "' stream " + r.streamNumber() + " ppid " + r.payloadProtocolID());
            if (!got.equals(m) || r.streamNumber() != s || r.payloadProtocolID() != 3000 + s)
                throw new RuntimeException("bad echo");
        }
        // A large message: received whole.
        ByteBuffer bigb = ByteBuffer.allocate(big);
        for (int i = 0; i < big; i++) bigb.put((byte) (i * 7));
        bigb.flip();
        MessageInfo mi = MessageInfo.createOutgoing(null, 3);
        int sent = c.send(bigb, mi);
        log("client sent big " + sent);
        rb.clear();
        MessageInfo r = receiveWhole(c, rb, h);
        rb.flip();
        log("client big echo " + rb.remaining() + " bytes complete " + r.isComplete() + " stream " + r.streamNumber()
            + " in " + pieces + " receive" + (pieces > 1 ? "s" : ""));
        if (rb.remaining() != big || !r.isComplete()) throw new RuntimeException("big message not whole");
        for (int i = 0; i < big; i++) if (rb.get(i) != (byte) (i * 7)) throw new RuntimeException("big differs at " + i);
        log("client big echo content ok");
        c.shutdown();
        log("client shutdown sent");
        rb.clear();
        r = c.receive(rb, null, h);
        log("client after shutdown receive " + (r == null ? "null" : "bytes " + r.bytes()));
        c.close();
        srv.join(10000);
        ssc.close();
        log("one-to-one done");
    }
}
