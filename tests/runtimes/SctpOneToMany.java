// One-to-many SCTP with com.sun.nio.sctp.SctpMultiChannel: a server answers
// two clients by association, peels one association off (branch) and shuts
// the other down (shutdown(association)).
// Usage: java SctpOneToMany.java HOST PORT
import com.sun.nio.sctp.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class SctpOneToMany {
    static void log(String s) { System.out.println(s); System.out.flush(); }

    static class Handler extends AbstractNotificationHandler<String> {
        final String who;
        Handler(String who) { this.who = who; }
        @Override public HandlerResult handleNotification(AssociationChangeNotification n, String a) {
            log(who + " assoc-change " + n.event() + " id "
                + (n.association() == null ? "none" : n.association().associationID()));
            // The end of an association returns from receive.
            return n.event() == AssociationChangeNotification.AssocChangeEvent.COMM_UP
                ? HandlerResult.CONTINUE : HandlerResult.RETURN;
        }
        @Override public HandlerResult handleNotification(ShutdownNotification n, String a) {
            log(who + " shutdown-notification id " + n.association().associationID());
            return HandlerResult.CONTINUE;
        }
        @Override public HandlerResult handleNotification(Notification n, String a) {
            log(who + " notification " + n);
            return HandlerResult.CONTINUE;
        }
    }

    static String str(ByteBuffer b) { b.flip(); return StandardCharsets.UTF_8.decode(b).toString(); }
    static ByteBuffer bytes(String s) { return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)); }

    // Receives one data message (notifications go to the handler).
    static MessageInfo recvData(SctpMultiChannel ch, ByteBuffer b, Handler h) throws Exception {
        while (true) {
            b.clear();
            MessageInfo mi = ch.receive(b, null, h);
            if (mi == null) throw new RuntimeException("receive returned null");
            if (mi.bytes() > 0 || b.position() > 0) return mi;
        }
    }
    static MessageInfo recvData(SctpChannel ch, ByteBuffer b, Handler h) throws Exception {
        while (true) {
            b.clear();
            MessageInfo mi = ch.receive(b, null, h);
            if (mi == null) throw new RuntimeException("receive returned null");
            if (mi.bytes() > 0 || b.position() > 0 || mi.bytes() < 0) return mi;
        }
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress addr = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        SctpMultiChannel srv = SctpMultiChannel.open();
        srv.bind(addr);
        log("server bound " + srv.getAllLocalAddresses());
        Handler sh = new Handler("server");
        ByteBuffer b = ByteBuffer.allocate(4096);

        // Two clients, one-to-many too: their first send sets the association up.
        SctpMultiChannel[] cl = new SctpMultiChannel[2];
        Handler[] ch = new Handler[2];
        for (int i = 0; i < 2; i++) {
            cl[i] = SctpMultiChannel.open();
            ch[i] = new Handler("client" + i);
            MessageInfo mi = MessageInfo.createOutgoing(addr, i + 1);
            mi.payloadProtocolID(100 + i);
            cl[i].send(bytes("hello from client" + i), mi);
        }
        Map<Integer, Association> byClient = new HashMap<>();
        for (int k = 0; k < 2; k++) {
            MessageInfo mi = recvData(srv, b, sh);
            String m = str(b);
            Association a = mi.association();
            log("server got '" + m + "' stream " + mi.streamNumber() + " ppid " + mi.payloadProtocolID()
                + " assoc " + a.associationID() + " from " + mi.address());
            int who = m.endsWith("0") ? 0 : 1;
            if (mi.streamNumber() != who + 1 || mi.payloadProtocolID() != 100 + who)
                throw new RuntimeException("bad stream/ppid");
            byClient.put(who, a);
        }
        log("server associations " + srv.associations().size() + " remote of client0 "
            + srv.getRemoteAddresses(byClient.get(0)));
        // Answer each client by association.
        for (int i = 0; i < 2; i++) {
            MessageInfo out = MessageInfo.createOutgoing(byClient.get(i), null, 0);
            out.payloadProtocolID(200 + i);
            srv.send(bytes("answer to client" + i), out);
        }
        for (int i = 0; i < 2; i++) {
            MessageInfo mi = recvData(cl[i], b, ch[i]);
            String m = str(b);
            log("client" + i + " got '" + m + "' ppid " + mi.payloadProtocolID());
            if (!m.equals("answer to client" + i) || mi.payloadProtocolID() != 200 + i)
                throw new RuntimeException("bad answer");
        }
        // Peel client0's association off and talk on it.
        SctpChannel peeled = srv.branch(byClient.get(0));
        log("server branched assoc " + peeled.association().associationID() + " remote " + peeled.getRemoteAddresses());
        peeled.send(bytes("from the branch"), MessageInfo.createOutgoing(null, 2));
        MessageInfo mi = recvData(cl[0], b, ch[0]);
        log("client0 got '" + str(b) + "' stream " + mi.streamNumber());
        cl[0].send(bytes("to the branch"), MessageInfo.createOutgoing(mi.association(), null, 1));
        mi = recvData(peeled, b, new Handler("branch"));
        log("branch got '" + str(b) + "' stream " + mi.streamNumber());
        log("server associations after branch " + srv.associations().size());
        // Shut client1's association down from the server.
        srv.shutdown(byClient.get(1));
        log("server shutdown(assoc " + byClient.get(1).associationID() + ")");
        // client1 sees SHUTDOWN then the association's end.
        b.clear();
        if (cl[1].receive(b, null, ch[1]) != null) throw new RuntimeException("data after shutdown");
        log("client1 associations left " + cl[1].associations().size());
        b.clear();
        // The server's own end of that association (SHUTDOWN_COMP).
        if (srv.receive(b, null, sh) != null) throw new RuntimeException("data after shutdown");
        log("server associations left " + srv.associations().size());
        peeled.close();
        for (SctpMultiChannel c : cl) c.close();
        srv.close();
        log("one-to-many done");
    }
}
