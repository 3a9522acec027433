// Non-blocking com.sun.nio.sctp with a Selector: a server accepts and echoes,
// a client connects (finishConnect), sends on several streams and reads the
// echoes, all in one select loop; then the channels' options and addresses.
// Usage: java SctpNio.java HOST PORT
import com.sun.nio.sctp.*;
import java.net.*;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class SctpNio {
    static void log(String s) { System.out.println(s); System.out.flush(); }

    public static void main(String[] args) throws Exception {
        InetSocketAddress addr = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        Selector sel = Selector.open();
        SctpServerChannel ssc = SctpServerChannel.open();
        ssc.bind(addr);
        ssc.configureBlocking(false);
        ssc.register(sel, SelectionKey.OP_ACCEPT);
        if (ssc.accept() != null) throw new RuntimeException("accept without a client");

        SctpChannel c = SctpChannel.open();
        c.configureBlocking(false);
        c.setOption(SctpStandardSocketOptions.SCTP_INIT_MAXSTREAMS,
            SctpStandardSocketOptions.InitMaxStreams.create(8, 8));
        boolean now = c.connect(addr);
        log("client connect returned " + now + " pending " + c.isConnectionPending());
        c.register(sel, now ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);

        final int N = 6;
        int echoed = 0, sent = 0;
        SctpChannel served = null;
        ByteBuffer b = ByteBuffer.allocateDirect(65536);
        long deadline = System.currentTimeMillis() + 20000;
        while (echoed < N) {
            if (System.currentTimeMillis() > deadline) throw new RuntimeException("timed out, echoed " + echoed);
            sel.select(1000);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                if (k.isAcceptable()) {
                    served = ssc.accept();
                    log("server accepted " + served.getRemoteAddresses());
                    served.configureBlocking(false);
                    served.register(sel, SelectionKey.OP_READ);
                } else if (k.isConnectable()) {
                    boolean done = c.finishConnect();
                    log("client finishConnect " + done + " remote " + c.getRemoteAddresses());
                    if (done) k.interestOps(SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                } else {
                    SctpChannel ch = (SctpChannel) k.channel();
                    if (k.isReadable()) {
                        b.clear();
                        MessageInfo mi = ch.receive(b, null, null);
                        if (mi == null) continue; // a notification, or nothing yet
                        if (mi.bytes() < 0) throw new RuntimeException("unexpected end");
                        b.flip();
                        if (ch == c) {
                            String m = StandardCharsets.UTF_8.decode(b).toString();
                            log("client read '" + m + "' stream " + mi.streamNumber());
                            if (!m.equals("msg " + mi.streamNumber())) throw new RuntimeException("bad echo");
                            echoed++;
                        } else {
                            ch.send(b, MessageInfo.createOutgoing(null, mi.streamNumber()));
                        }
                    }
                    if (k.isValid() && k.isWritable() && ch == c) {
                        if (sent < N) {
                            int n = c.send(ByteBuffer.wrap(("msg " + sent).getBytes(StandardCharsets.UTF_8)),
                                MessageInfo.createOutgoing(null, sent));
                            if (n > 0) sent++;
                        } else {
                            k.interestOps(SelectionKey.OP_READ);
                        }
                    }
                }
            }
        }
        log("nio echoed " + echoed);
        Association a = c.association();
        log("client association out " + a.maxOutboundStreams() + " in " + a.maxInboundStreams());

        // Options, as the JDK maps them.
        c.setOption(SctpStandardSocketOptions.SCTP_NODELAY, true);
        log("SCTP_NODELAY " + c.getOption(SctpStandardSocketOptions.SCTP_NODELAY));
        c.setOption(SctpStandardSocketOptions.SO_SNDBUF, 131072);
        log("SO_SNDBUF " + c.getOption(SctpStandardSocketOptions.SO_SNDBUF));
        log("SO_RCVBUF " + c.getOption(SctpStandardSocketOptions.SO_RCVBUF));
        c.setOption(SctpStandardSocketOptions.SCTP_DISABLE_FRAGMENTS, true);
        log("SCTP_DISABLE_FRAGMENTS " + c.getOption(SctpStandardSocketOptions.SCTP_DISABLE_FRAGMENTS));
        c.setOption(SctpStandardSocketOptions.SCTP_DISABLE_FRAGMENTS, false);
        c.setOption(SctpStandardSocketOptions.SCTP_FRAGMENT_INTERLEAVE, 1);
        log("SCTP_FRAGMENT_INTERLEAVE " + c.getOption(SctpStandardSocketOptions.SCTP_FRAGMENT_INTERLEAVE));
        // SCTP_EXPLICIT_COMPLETE: the JDK maps it to option -1 on Linux,
        // which the kernel refuses (ENOPROTOOPT) too.
        try {
            log("SCTP_EXPLICIT_COMPLETE " + c.getOption(SctpStandardSocketOptions.SCTP_EXPLICIT_COMPLETE));
        } catch (java.net.SocketException e) {
            log("SCTP_EXPLICIT_COMPLETE: " + e.getMessage());
        }
        log("SCTP_INIT_MAXSTREAMS " + c.getOption(SctpStandardSocketOptions.SCTP_INIT_MAXSTREAMS));
        log("SO_LINGER " + c.getOption(SctpStandardSocketOptions.SO_LINGER));
        SocketAddress prim = c.getRemoteAddresses().iterator().next();
        c.setOption(SctpStandardSocketOptions.SCTP_PRIMARY_ADDR, prim);
        log("SCTP_PRIMARY_ADDR " + c.getOption(SctpStandardSocketOptions.SCTP_PRIMARY_ADDR));
        try {
            c.setOption(SctpStandardSocketOptions.SCTP_SET_PEER_PRIMARY_ADDR, c.getAllLocalAddresses().iterator().next());
            log("SCTP_SET_PEER_PRIMARY_ADDR set");
        } catch (Exception e) {
            log("SCTP_SET_PEER_PRIMARY_ADDR: " + e);
        }
        log("server local " + ssc.getAllLocalAddresses());
        c.close();
        served.close();
        ssc.close();
        sel.close();
        log("nio done");
    }
}
