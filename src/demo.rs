//! `serve --demo`: a few realistic tickets with an image, a PDF and a log, seeded once per
//! data directory, and fresh keys for an admin, an agent and a customer on every start.

use crate::core::ingest::{self, Received};
use crate::core::messages::Carry;
use crate::core::users::{self, NewKey};
use crate::core::{messages, tickets, Caller, Core};
use crate::domain::{Role, Status, User};
use crate::error::Result;
use crate::ids::Id;
use crate::store::sql::{meta, users as user_sql};

const SEEDED: &str = "demo_seeded";

fn subject(text: &str) -> tickets::NewTicket {
    tickets::NewTicket {
        subject: text.to_owned(),
        ..Default::default()
    }
}

fn caller(user: User) -> Caller {
    let scopes = user.role.allowed_scopes();
    Caller {
        user,
        key_id: Id::new(),
        scopes,
    }
}

async fn user(core: &Core, name: &str, role: Role) -> Result<Caller> {
    let name_owned = name.to_owned();
    let existing = core
        .db
        .run(move |c| Ok(user_sql::user_by_name(c, &name_owned)?))
        .await?;
    Ok(caller(match existing {
        Some(user) => user,
        None => users::add_user(&core.db, name, role)?,
    }))
}

/// A message on `ticket` by `who`, carrying the given files.
async fn post(
    core: &Core,
    who: &Caller,
    ticket: Id,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> Result<()> {
    let mut ids = Vec::new();
    for (name, bytes) in files {
        let (attachment, _) = ingest::attach(core, who, Some(ticket), |stager| async move {
            Ok(Received::file(stager.stage_bytes(bytes).await?, name))
        })
        .await?;
        ids.push(attachment.id);
    }
    messages::create(core, who, ticket, body.to_owned(), ids, Carry::Named).await?;
    Ok(())
}

/// What `serve --demo` prints: fresh keys, and a seeded ticket to show in curl examples.
pub struct Demo {
    pub keys: Vec<NewKey>,
    pub ticket: Option<Id>,
}

pub async fn seed(core: &Core) -> Result<Demo> {
    let ada = user(core, "ada", Role::Admin).await?;
    let alex = user(core, "alex", Role::Agent).await?;
    let casey = user(core, "casey", Role::Customer).await?;
    let sam = user(core, "sam", Role::Customer).await?;
    if core.db.run(|c| Ok(meta::get(c, SEEDED)?)).await?.is_none() {
        let printer = tickets::create(
            core,
            &casey,
            subject("Printer shows error E-42 after the update"),
        )
        .await?;
        post(core, &casey, printer.id, "Since this morning's update the office printer refuses every job. Screenshot and the spooler log attached.",
            vec![("printer-error.png", png(320, 200)), ("spooler.log", log_text())]).await?;
        post(
            core,
            &alex,
            printer.id,
            "Thanks, Casey. E-42 is a firmware mismatch; I have queued a rollback for tonight.",
            vec![],
        )
        .await?;

        let invoice =
            tickets::create(core, &casey, subject("Invoice 2026-0113 was charged twice")).await?;
        post(
            core,
            &casey,
            invoice.id,
            "My card shows two charges for the attached invoice.",
            vec![("invoice-2026-0113.pdf", pdf("Invoice 2026-0113"))],
        )
        .await?;

        let vpn = tickets::create(core, &sam, subject("VPN disconnects every ten minutes")).await?;
        post(
            core,
            &sam,
            vpn.id,
            "The client log is attached; it drops at :00, :10, :20…",
            vec![("vpn-client.log", log_text())],
        )
        .await?;
        tickets::update(
            core,
            &alex,
            vpn.id,
            tickets::Change {
                status: Some(Status::Pending),
                ..Default::default()
            },
        )
        .await?;
        let seeded = printer.id.to_string();
        core.db
            .run(move |c| Ok(meta::set(c, SEEDED, &seeded)?))
            .await?;
    }
    let seeded = core.db.run(|c| Ok(meta::get(c, SEEDED)?)).await?;
    let ticket = seeded.as_deref().and_then(Id::parse_uuid);
    let mut keys = Vec::new();
    for who in [&ada, &alex, &casey] {
        keys.push(users::create_key(
            &core.db,
            &who.user.name,
            who.user.role,
            None,
            "demo",
        )?);
    }
    Ok(Demo { keys, ticket })
}

/// A spooler log of 200 lines (demo and test content).
pub fn log_text() -> Vec<u8> {
    (0..200)
        .map(|i| {
            format!(
                "2026-11-20T09:{:02}:{:02}Z spoolsv[412]: job {} state={} code=E-42\n",
                i / 60 % 60,
                i % 60,
                1000 + i,
                if i % 7 == 0 { "error" } else { "queued" }
            )
        })
        .collect::<String>()
        .into_bytes()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// An RGB gradient as a PNG (zlib "stored" blocks: no compressor needed for demo data).
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            raw.extend_from_slice(&[(x * 255 / width) as u8, (y * 255 / height) as u8, 160]);
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push((i + 1 == blocks.len()) as u8);
        zlib.extend_from_slice(&(block.len() as u16).to_le_bytes());
        zlib.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(&data);
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

/// A one-page PDF with a title line, with a correct cross-reference table.
fn pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 20 Tf 72 770 Td ({title}) Tj ET\nBT /F1 12 Tf 72 740 Td (Amount due: EUR 149.00) Tj ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
