//! The index schema: the one place that names tantivy fields.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, INDEXED, STORED, STRING,
};

/// Fields of a passage document. Text fields hold pre-analysed tokens (see `analyze`).
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub article_id: Field,
    pub title: Field,
    pub questions: Field,
    pub heading: Field,
    pub body: Field,
    pub tags: Field,
    /// Every token of the passage and its article: document frequencies and vocabulary.
    pub all: Field,
    pub title_text: Field,
    pub url: Field,
    pub heading_text: Field,
    pub passage_text: Field,
    /// The title and each alternative question, one per line.
    pub phrases: Field,
    /// The passage's position in its article (as in the corpus vectors).
    pub passage_no: Field,
}

/// How much a match in each searched field counts when ranking articles.
pub const FIELD_BOOSTS: [(SearchField, f32); 5] = [
    (SearchField::Title, 3.0),
    (SearchField::Questions, 2.5),
    (SearchField::Heading, 1.0),
    (SearchField::Tags, 1.0),
    (SearchField::Body, 1.0),
];

/// The fields a query searches.
#[derive(Debug, Clone, Copy)]
pub enum SearchField {
    Title,
    Questions,
    Heading,
    Tags,
    Body,
}

impl Fields {
    pub fn get(&self, field: SearchField) -> Field {
        match field {
            SearchField::Title => self.title,
            SearchField::Questions => self.questions,
            SearchField::Heading => self.heading,
            SearchField::Tags => self.tags,
            SearchField::Body => self.body,
        }
    }
}

/// Builds the schema and its field handles.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let tokens = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("whitespace")
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        article_id: builder.add_text_field("article_id", STRING | STORED),
        title: builder.add_text_field("title", tokens.clone()),
        questions: builder.add_text_field("questions", tokens.clone()),
        heading: builder.add_text_field("heading", tokens.clone()),
        body: builder.add_text_field("body", tokens.clone()),
        tags: builder.add_text_field("tags", tokens.clone()),
        all: builder.add_text_field("all", tokens | STORED),
        title_text: builder.add_text_field("title_text", STORED),
        url: builder.add_text_field("url", STORED),
        heading_text: builder.add_text_field("heading_text", STORED),
        passage_text: builder.add_text_field("passage_text", STORED),
        phrases: builder.add_text_field("phrases", STORED),
        passage_no: builder.add_u64_field("passage_no", STORED | INDEXED),
    };
    (builder.build(), fields)
}

/// Version of the schema and analysis; a change forces a rebuild of existing indexes.
pub const FORMAT_VERSION: u32 = 3;
