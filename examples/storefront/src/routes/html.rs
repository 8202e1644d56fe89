//! What every server-rendered page shares: escaping for HTML and URLs, and the page around a
//! body (title, style, the links between pages).

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path or query-string value, percent-encoded.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A whole page: `title` (text) and `body` (HTML), with the storefront's navigation.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}}\
         .product,section{{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}}\
         .brand{{color:#555}}.reviews,.posts{{font-size:.9rem}}\
         .kind{{font-size:.75rem;color:#fff;background:#557;border-radius:3px;padding:.1rem .4rem;\
         margin-left:.5rem;vertical-align:middle}}\
         nav.site a{{margin-right:1rem}}figure svg{{max-width:100%;height:auto}}         #error{{color:#a00;font-weight:bold}}#notice{{background:#efe;padding:.5rem}}</style></head><body>\n\
         <nav class=\"site\"><a href=\"/\">Products</a><a href=\"/links\">How the modules are linked</a><a href=\"/admin\">Admin</a></nav>\n{body}</body></html>\n",
        escape(title)
    )
}

/// A section of a record's page: a heading, a label naming the kind of link it shows, and
/// its content.
pub fn section(id: &str, heading: &str, kind: &str, content: &str) -> String {
    format!(
        "<section id=\"{id}\"><h2>{}<span class=\"kind\">{}</span></h2>{content}</section>\n",
        escape(heading),
        escape(kind)
    )
}

/// A price in cents, as dollars.
pub fn price(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::{encode, escape, price};

    #[test]
    fn text_is_escaped_for_html_and_urls() {
        assert_eq!(
            escape("<b>\"A&B\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;"
        );
        assert_eq!(encode("Acme & Co"), "Acme%20%26%20Co");
        assert_eq!(price(2599), "$25.99");
    }
}
