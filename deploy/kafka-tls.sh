#!/usr/bin/env bash
# A certificate authority and the brokers' TLS material for a secured Kafka (SASL/SCRAM over TLS for
# clients, mutual TLS between brokers and controllers), made with openssl alone:
#
#   kafka-tls.sh DIR HOST...      e.g. kafka-tls.sh ./kafka-tls '*.kafka-headless' '*.kafka-headless.neuguong.svc'
#
# writes, once (an existing DIR/ca.crt is kept, so certificates stay valid across runs):
#   DIR/ca.crt, DIR/ca.key                    the CA (clients trust ca.crt: NG_KAFKA_SSL_CAFILE)
#   DIR/broker/kafka.keystore.p12             the brokers' key and certificate (CN=kafka-broker, SAN = HOSTs)
#   DIR/broker/keystore-password              its password (the apache/kafka image's *_CREDENTIALS files)
#   DIR/broker/ca.crt                         the truststore of brokers and controllers (PEM)
#   DIR/broker/kafka_server_jaas.conf         the SCRAM login module of the client listener
# The brokers' certificate is their principal, User:CN=kafka-broker (a super user): brokers, controllers
# and the operator creating the first SCRAM user (`admin`) authenticate with it on the mutual-TLS listener.
set -euo pipefail

dir=${1:?usage: kafka-tls.sh DIR HOST...}
shift
[ "$#" -gt 0 ] || { echo "kafka-tls: name at least one broker host" >&2; exit 2; }
mkdir -p "$dir/broker"
umask 077

if [ ! -f "$dir/ca.crt" ]; then
  openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=neuguong-kafka-ca" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
fi
if [ ! -f "$dir/broker/kafka.keystore.p12" ]; then
  sans=""
  for host in "$@"; do
    if [[ $host =~ ^[0-9.]+$ ]]; then sans+="IP:$host,"; else sans+="DNS:$host,"; fi
  done
  openssl req -newkey rsa:3072 -nodes -subj "/CN=kafka-broker" \
    -keyout "$dir/broker/broker.key" -out "$dir/broker/broker.csr" 2>/dev/null
  openssl x509 -req -in "$dir/broker/broker.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 825 -out "$dir/broker/broker.crt" \
    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "${sans%,}") 2>/dev/null
  openssl rand -hex 24 >"$dir/broker/keystore-password"
  openssl pkcs12 -export -name kafka-broker -in "$dir/broker/broker.crt" -inkey "$dir/broker/broker.key" \
    -certfile "$dir/ca.crt" -passout "file:$dir/broker/keystore-password" -out "$dir/broker/kafka.keystore.p12"
  rm -f "$dir/broker/broker.csr" "$dir/broker/broker.key" "$dir/broker/broker.crt" "$dir/ca.srl"
fi
cp "$dir/ca.crt" "$dir/broker/ca.crt"
cat >"$dir/broker/kafka_server_jaas.conf" <<'JAAS'
KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required;
};
JAAS
chmod 644 "$dir/ca.crt" "$dir/broker/ca.crt"
echo "kafka-tls: CA $dir/ca.crt, broker material in $dir/broker/ (SAN: $*)"
