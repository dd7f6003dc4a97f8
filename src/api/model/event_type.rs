//! An event type name as a subscription holds it. A list of 10,000 subscriptions names the
//! same few dozen types ~100,000 times: each distinct name is allocated once per decoding
//! thread and shared, so a row costs a pointer per event instead of a string.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

/// One event type name (`message.received`), compared and hashed as its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventType(Arc<str>);

/// Names kept for sharing, per thread: bounded, so a server sending endless distinct names
/// costs at most this much (the catalogue has 75).
const SHARED_NAMES: usize = 1024;
const SHARED_NAME_BYTES: usize = 128;

type Names = HashSet<Arc<str>, BuildHasherDefault<rustc_hash::FxHasher>>;

thread_local! {
    static NAMES: RefCell<Names> = RefCell::new(Names::default());
}

impl EventType {
    /// The shared copy of `name` (a new one once the table is full or the name is long).
    pub fn new(name: &str) -> Self {
        if name.len() > SHARED_NAME_BYTES {
            return Self(Arc::from(name));
        }
        NAMES.with(|names| {
            let Ok(mut names) = names.try_borrow_mut() else {
                return Self(Arc::from(name));
            };
            if let Some(shared) = names.get(name) {
                return Self(shared.clone());
            }
            let fresh: Arc<str> = Arc::from(name);
            if names.len() < SHARED_NAMES {
                names.insert(fresh.clone());
            }
            Self(fresh)
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for EventType {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EventType {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for EventType {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for EventType {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<&String> for EventType {
    fn from(name: &String) -> Self {
        Self::new(name)
    }
}

impl From<String> for EventType {
    fn from(name: String) -> Self {
        Self::new(&name)
    }
}

impl From<EventType> for String {
    fn from(name: EventType) -> Self {
        name.0.to_string()
    }
}

impl From<&EventType> for String {
    fn from(name: &EventType) -> Self {
        name.0.to_string()
    }
}

impl PartialEq<str> for EventType {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for EventType {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for EventType {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<EventType> for String {
    fn eq(&self, other: &EventType) -> bool {
        **self == *other.0
    }
}

impl PartialEq<EventType> for &str {
    fn eq(&self, other: &EventType) -> bool {
        **self == *other.0
    }
}

impl PartialEq<EventType> for str {
    fn eq(&self, other: &EventType) -> bool {
        *self == *other.0
    }
}

impl Serialize for EventType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl serde::de::Visitor<'_> for Name {
            type Value = EventType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event type name")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EventType, E> {
                Ok(EventType::new(v))
            }
        }
        d.deserialize_str(Name)
    }
}

/// A subscription's `subscribed_events`: read into one exactly sized allocation (a `Vec`
/// grown push by push would reallocate three or four times for a typical row).
pub(super) fn deserialize_events<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<EventType>, D::Error> {
    struct Events;
    impl<'de> serde::de::Visitor<'de> for Events {
        type Value = Vec<EventType>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of event type names")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Vec<EventType>, A::Error> {
            // Up to 32 names on the stack first; the catalogue has 75, so a few rows spill.
            let mut first: [Option<EventType>; 32] = Default::default();
            let mut n = 0;
            while n < first.len() {
                match seq.next_element::<EventType>()? {
                    Some(e) => first[n] = Some(e),
                    None => {
                        let mut exact = Vec::with_capacity(n);
                        exact.extend(first.into_iter().take(n).flatten());
                        return Ok(exact);
                    }
                }
                n += 1;
            }
            let mut all = Vec::with_capacity(2 * first.len());
            all.extend(first.into_iter().flatten());
            while let Some(e) = seq.next_element::<EventType>()? {
                all.push(e);
            }
            Ok(all)
        }
    }
    d.deserialize_seq(Events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_names_share_one_allocation_and_compare_as_text() {
        let a = EventType::new("message.received");
        let b: EventType = serde_json::from_str("\"message.received\"").expect("a name");
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "message.received");
        assert_eq!("message.received".to_string(), a);
        assert_eq!(
            format!("{a} {a:?}"),
            "message.received \"message.received\""
        );
    }

    #[test]
    fn events_read_into_an_exact_allocation_beyond_the_stack_part() {
        let names: Vec<String> = (0..40).map(|i| format!("e.{i}")).collect();
        let json = serde_json::to_string(&names).expect("names serialise");
        let mut d = serde_json::Deserializer::from_str(&json);
        let events = deserialize_events(&mut d).expect("an array");
        assert_eq!(events.len(), 40);
        assert_eq!(events[39], "e.39");
        let mut d = serde_json::Deserializer::from_str("[\"a\",\"b\"]");
        let events = deserialize_events(&mut d).expect("an array");
        assert_eq!((events.len(), events.capacity()), (2, 2));
    }

    #[test]
    fn a_server_naming_endless_types_is_still_read_but_not_all_kept() {
        for i in 0..SHARED_NAMES + 10 {
            assert_eq!(EventType::new(&format!("flood.{i}")), *format!("flood.{i}"));
        }
        NAMES.with(|n| assert!(n.borrow().len() <= SHARED_NAMES));
    }
}
