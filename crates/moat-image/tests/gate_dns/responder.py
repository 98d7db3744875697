# A minimal DNS responder for build_gate.rs: on 127.0.0.1:53 inside a private network
# namespace, it answers every A query with 127.0.0.1 (AAAA and others: no records) and logs
# each query to the file named by its argument.
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
log = open(sys.argv[1], "a")
log.write("ready\n"); log.flush()
while True:
    data, addr = s.recvfrom(512)
    tid, flags, qd = struct.unpack(">HHH", data[:6])
    i, labels = 12, []
    while data[i]:
        labels.append(data[i+1:i+1+data[i]].decode()); i += 1 + data[i]
    qtype, qclass = struct.unpack(">HH", data[i+1:i+5])
    q = data[12:i+5]
    name = ".".join(labels)
    log.write(f"query {name} type {qtype}\n"); log.flush()
    if qtype == 1:
        ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        s.sendto(struct.pack(">HHHHHH", tid, 0x8180, 1, 1, 0, 0) + q + ans, addr)
    else:
        s.sendto(struct.pack(">HHHHHH", tid, 0x8180, 1, 0, 0, 0) + q, addr)
