//! A fault-injecting HTTP proxy for the tests, between Vouch and the real harness registry.
//!
//! Not a registry: every request is forwarded to the real one (CNCF distribution) unless the
//! test's [`Rule`] says otherwise for it — answer something else, cut the body, drip it, reset
//! the connection, lie about its length, redirect. It exists because no real registry fails on
//! demand; what it forwards is exactly what the real registry served. One request per
//! connection (`Connection: close`); each connection on its own thread, so a dripping answer
//! never holds the others up.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path with its query, as sent.
    pub target: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    /// How many times this method and target were asked, this one included (1 the first).
    pub nth: usize,
}

impl Request {
    /// The path without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or(&self.target)
    }
}

/// What the proxy does with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Forward it and send back what the registry answered.
    Pass,
    /// Answer this instead, without asking the registry.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Forward it; send the headers and half the body, then reset the connection (RST).
    ResetMidBody,
    /// Forward it; send the headers, then the body one byte per `Duration`.
    Drip(Duration),
    /// Forward it; declare the real length but send only half the body, then close (FIN).
    Truncate,
    /// Forward it; declare the body `delta` bytes longer (or shorter) than it is, send it all,
    /// then close.
    WrongLength(i64),
    /// Forward it and send back the registry's answer with this body instead (the registry's
    /// headers kept, `Docker-Content-Digest` included; the length fixed).
    Body(Vec<u8>),
}

impl Fault {
    /// An answer with a status, headers and a body.
    pub fn answer(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Fault {
        Fault::Answer {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_vec(),
        }
    }

    /// A `307` to `location`.
    pub fn redirect(location: &str) -> Fault {
        Fault::answer(307, &[("Location", location)], b"")
    }
}

/// What the test decides per request.
pub type Rule = Arc<dyn Fn(&Request) -> Fault + Send + Sync>;

/// A running proxy: its address and every request it saw (`METHOD target authorization`).
pub struct Proxy {
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// Starts a proxy on `bind` (`127.0.0.1`, or another loopback address to be "another
    /// host") in front of `upstream` (`host:port` of the real registry), applying `rule`.
    pub fn start(bind: &str, upstream: &str, rule: Rule) -> Proxy {
        let listener = TcpListener::bind((bind, 0)).expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address").to_string();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let (seen, upstream) = (log.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (rule, seen, counts, upstream) =
                    (rule.clone(), seen.clone(), counts.clone(), upstream.clone());
                std::thread::spawn(move || {
                    let _ = serve_one(stream, &upstream, &rule, &seen, &counts);
                });
            }
        });
        Proxy { addr, log }
    }

    /// Every request seen so far, as `METHOD target authorization` (empty when none was sent).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// How many requests so far were `method` on a target containing `needle`.
    pub fn count(&self, method: &str, needle: &str) -> usize {
        self.log()
            .iter()
            .filter(|l| l.starts_with(&format!("{method} ")) && l.contains(needle))
            .count()
    }
}

/// An HTTP answer: status, headers (no framing headers), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A request as read off the wire.
struct Incoming {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads a request head and its body (by `Content-Length`).
fn read_request(s: &mut TcpStream) -> std::io::Result<Incoming> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
        if !head[0].is_ascii_uppercase() {
            // Not HTTP (Vouch's TLS ClientHello on a loopback host): answer as the real
            // registry does, so Vouch learns this host speaks plain HTTP.
            s.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")?;
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("GET").to_string();
    let target = first.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    Ok(Incoming {
        method,
        target,
        headers,
        body,
    })
}

/// Framing headers the proxy sets itself.
fn is_framing(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// Sends the request to the real registry (HTTP/1.0: one answer, read to the end).
fn forward(
    upstream: &str,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut up = TcpStream::connect(upstream)?;
    up.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut req = format!("{method} {target} HTTP/1.0\r\nHost: {upstream}\r\n");
    for (k, v) in headers {
        if !is_framing(k) && !k.eq_ignore_ascii_case("host") {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    up.write_all(req.as_bytes())?;
    up.write_all(body)?;
    let mut raw = Vec::new();
    up.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, _)| !is_framing(k))
        .collect();
    Ok(Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    })
}

/// The status line and headers of `a`, declaring `length` bytes of body.
fn head(a: &Answer, length: i64) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        a.status,
        length.max(0)
    );
    for (k, v) in &a.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn serve_one(
    mut s: TcpStream,
    upstream: &str,
    rule: &Rule,
    log: &Mutex<Vec<String>>,
    counts: &Mutex<HashMap<String, usize>>,
) -> std::io::Result<()> {
    let Incoming {
        method,
        target,
        headers,
        body,
    } = read_request(&mut s)?;
    let auth = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if let Ok(mut l) = log.lock() {
        l.push(format!("{method} {target} {auth}"));
    }
    let nth = counts
        .lock()
        .map(|mut c| {
            let n = c.entry(format!("{method} {target}")).or_insert(0);
            *n += 1;
            *n
        })
        .unwrap_or(1);
    let request = Request {
        method: method.clone(),
        target: target.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        nth,
    };
    let fault = rule(&request);
    let answer = match &fault {
        Fault::Answer {
            status,
            headers,
            body,
        } => Answer {
            status: *status,
            headers: headers.clone(),
            body: body.clone(),
        },
        _ => forward(upstream, &method, &target, &headers, &body)?,
    };
    let len = answer.body.len();
    match fault {
        Fault::Pass | Fault::Answer { .. } => {
            s.write_all(&head(&answer, len as i64))?;
            s.write_all(&answer.body)?;
        }
        Fault::Body(replacement) => {
            let a = Answer {
                body: replacement,
                ..answer
            };
            s.write_all(&head(&a, a.body.len() as i64))?;
            s.write_all(&a.body)?;
        }
        Fault::ResetMidBody => {
            s.write_all(&head(&answer, len as i64))?;
            s.write_all(&answer.body[..len / 2])?;
            s.flush()?;
            // Linger 0: closing sends RST instead of FIN.
            socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO))?;
            return Ok(());
        }
        Fault::Drip(every) => {
            s.write_all(&head(&answer, len as i64))?;
            for b in &answer.body {
                std::thread::sleep(every);
                s.write_all(std::slice::from_ref(b))?;
                s.flush()?;
            }
        }
        Fault::Truncate => {
            s.write_all(&head(&answer, len as i64))?;
            s.write_all(&answer.body[..len / 2])?;
        }
        Fault::WrongLength(delta) => {
            s.write_all(&head(&answer, len as i64 + delta))?;
            s.write_all(&answer.body)?;
        }
    }
    s.flush()?;
    let _ = s.shutdown(std::net::Shutdown::Write);
    Ok(())
}
